import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseKeyValueFile, parseWorkflowCommands } from '../local/harness.js';
import { addPath, error, escapeData, escapeProperty, setOutput, setSecret } from './runner.js';

describe('runner protocol', () => {
  let out = '';
  beforeEach(() => {
    out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  it('escapes data and properties as the runner expects', () => {
    expect(escapeData('50%\r\n::x')).toBe('50%25%0D%0A::x');
    expect(escapeProperty('a:b,c\n')).toBe('a%3Ab%2Cc%0A');
  });

  it('an annotation message with newlines cannot start a second command', () => {
    error('bad\n::add-mask::oops', { file: 'src/a,b:c.ts', startLine: 3, title: 'lint' });
    const commands = parseWorkflowCommands(out);
    expect(commands).toEqual([{ command: 'error', properties: { title: 'lint', file: 'src/a,b:c.ts', line: '3' }, message: 'bad\n::add-mask::oops', form: 'v2', stream: 'stdout' }]);
  });

  it('setOutput writes a heredoc the runner parses back exactly, even for multi-line values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-runner-'));
    process.env.GITHUB_OUTPUT = join(dir, 'out');
    writeFileSync(process.env.GITHUB_OUTPUT, '');
    setOutput('metadata', '{"a":1}\nline2\nghadelimiter_x');
    setOutput('status', 'pass');
    expect(parseKeyValueFile(readFileSync(process.env.GITHUB_OUTPUT, 'utf8'))).toEqual({ metadata: '{"a":1}\nline2\nghadelimiter_x', status: 'pass' });
    delete process.env.GITHUB_OUTPUT;
  });

  it('setSecret masks every line; addPath writes GITHUB_PATH and updates PATH', () => {
    setSecret('line1\nline2');
    expect(parseWorkflowCommands(out).map((c) => [c.command, c.message])).toEqual([['add-mask', 'line1'], ['add-mask', 'line2']]);
    const dir = mkdtempSync(join(tmpdir(), 'rs-runner-'));
    process.env.GITHUB_PATH = join(dir, 'path');
    writeFileSync(process.env.GITHUB_PATH, '');
    const before = process.env.PATH;
    addPath('/opt/tool/bin');
    expect(readFileSync(process.env.GITHUB_PATH, 'utf8').trim()).toBe('/opt/tool/bin');
    expect(process.env.PATH?.startsWith('/opt/tool/bin:')).toBe(true);
    process.env.PATH = before;
    delete process.env.GITHUB_PATH;
  });
});
