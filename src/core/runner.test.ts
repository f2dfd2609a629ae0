import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseKeyValueFile, parseWorkflowCommands } from '../local/harness.js';
import { scratchDir } from '../local/scratch.js';
import { addPath, appendSummary, error, getState, group, saveState, setFailed, setOutput, setSecret } from './runner.js';

describe('runner protocol', () => {
  let out = '';
  const dirs: string[] = [];
  const scratch = () => {
    const dir = scratchDir('rs-runner-');
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  it('escapes data and properties as the runner expects', () => {
    error('50%\r\n::x', { file: 'a:b,c\n' });
    expect(out).toBe('::error file=a%3Ab%2Cc%0A::50%25%0D%0A::x\n');
  });

  it('an annotation message with newlines cannot start a second command', () => {
    error('bad\n::add-mask::oops', { file: 'src/a,b:c.ts', startLine: 3, title: 'lint' });
    const commands = parseWorkflowCommands(out);
    expect(commands).toEqual([
      { command: 'error', properties: { title: 'lint', file: 'src/a,b:c.ts', line: '3' }, message: 'bad\n::add-mask::oops', form: 'v2', stream: 'stdout' },
    ]);
  });

  it('setOutput writes a heredoc the runner parses back exactly, even for multi-line values', () => {
    const dir = scratch();
    process.env.GITHUB_OUTPUT = join(dir, 'out');
    writeFileSync(process.env.GITHUB_OUTPUT, '');
    setOutput('metadata', '{"a":1}\nline2\nghadelimiter_x');
    setOutput('status', 'pass');
    expect(parseKeyValueFile(readFileSync(process.env.GITHUB_OUTPUT, 'utf8'))).toEqual({ metadata: '{"a":1}\nline2\nghadelimiter_x', status: 'pass' });
    delete process.env.GITHUB_OUTPUT;
  });

  it('setSecret masks every line; addPath writes GITHUB_PATH and updates PATH', () => {
    setSecret('line1\nline2');
    expect(parseWorkflowCommands(out).map((c) => [c.command, c.message])).toEqual([
      ['add-mask', 'line1'],
      ['add-mask', 'line2'],
    ]);
    const dir = scratch();
    process.env.GITHUB_PATH = join(dir, 'path');
    writeFileSync(process.env.GITHUB_PATH, '');
    const before = process.env.PATH;
    addPath('/opt/tool/bin');
    expect(readFileSync(process.env.GITHUB_PATH, 'utf8').trim()).toBe('/opt/tool/bin');
    expect(process.env.PATH?.startsWith('/opt/tool/bin:')).toBe(true);
    process.env.PATH = before;
    delete process.env.GITHUB_PATH;
  });

  it('group wraps the work in group/endgroup even when it throws; setFailed sets the exit code and an error', async () => {
    await expect(
      group('phase one', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const before = process.exitCode;
    setFailed('lint: 3 errors');
    expect(process.exitCode).toBe(1);
    process.exitCode = before;
    expect(parseWorkflowCommands(out).map((c) => [c.command, c.message])).toEqual([
      ['group', 'phase one'],
      ['endgroup', ''],
      ['error', 'lint: 3 errors'],
    ]);
  });

  it('appendSummary appends markdown with a final newline, and does nothing without a summary file', async () => {
    const saved = process.env.GITHUB_STEP_SUMMARY;
    delete process.env.GITHUB_STEP_SUMMARY;
    await appendSummary('ignored');
    const file = join(scratch(), 'summary');
    writeFileSync(file, '# before\n');
    process.env.GITHUB_STEP_SUMMARY = file;
    await appendSummary('## lint: pass');
    await appendSummary('| a |\n');
    expect(readFileSync(file, 'utf8')).toBe('# before\n## lint: pass\n| a |\n');
    if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY;
    else process.env.GITHUB_STEP_SUMMARY = saved;
  });

  it('saveState writes GITHUB_STATE for the post step; getState reads STATE_<name>', () => {
    const file = join(scratch(), 'state');
    writeFileSync(file, '');
    process.env.GITHUB_STATE = file;
    saveState('cache-key', 'k1');
    expect(parseKeyValueFile(readFileSync(file, 'utf8'))).toEqual({ 'cache-key': 'k1' });
    delete process.env.GITHUB_STATE;
    process.env['STATE_cache-key'] = 'k1';
    expect(getState('cache-key')).toBe('k1');
    delete process.env['STATE_cache-key'];
  });
});
