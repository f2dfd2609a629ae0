import { describe, expect, it } from 'vitest';
import { ToolNotFoundError } from './errors.js';
import { execTool, lastLines, splitCommandLine } from './exec.js';

describe('execTool', () => {
  it('passes arguments as an array: shell syntax is data', async () => {
    const r = await execTool('node', ['-e', 'console.log(process.argv.slice(1).join("|"))', '$(id)', 'a;b'], { timeoutMs: 10_000 });
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('$(id)|a;b');
  });
  it('reports exit codes for the caller to interpret', async () => {
    const r = await execTool('node', ['-e', 'process.stderr.write("boom\\n"); process.exit(3)'], { timeoutMs: 10_000 });
    expect(r).toMatchObject({ exitCode: 3, timedOut: false });
    expect(r.stderr).toContain('boom');
  });
  it('kills the process group on timeout', async () => {
    const r = await execTool('node', ['-e', 'setTimeout(() => {}, 60000)'], { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.durationMs).toBeLessThan(10_000);
  });
  it('keeps the tail of large output', async () => {
    const r = await execTool('node', ['-e', 'for (let i = 0; i < 20000; i++) console.log("line " + i)'], { timeoutMs: 10_000, maxBuffer: 1000 });
    expect(r.truncated).toBe(true);
    expect(r.stdout).toContain('line 19999');
    expect(r.stdout.length).toBeLessThanOrEqual(1000);
  });
  it('a missing program is ToolNotFoundError with the hint', async () => {
    await expect(execTool('definitely-not-a-tool-xyz', [], { timeoutMs: 1000, installHint: 'apt-get install xyz' })).rejects.toThrowError(ToolNotFoundError);
  });
  it('streams output without splitting multi-byte characters across chunks', async () => {
    let streamed = '';
    // 70,000 three-byte characters: more than one 64 KiB pipe chunk, so chunk edges fall mid-character.
    const r = await execTool('node', ['-e', 'process.stdout.write("€".repeat(70000))'], { timeoutMs: 10_000, onStdout: (t) => (streamed += t) });
    expect(streamed).toBe('€'.repeat(70000));
    expect(r.stdout).toBe(streamed);
  });
  it('tools never see the action inputs (one may be a password)', async () => {
    const r = await execTool('node', ['-e', 'console.log(JSON.stringify(Object.keys(process.env).filter((k) => /^input_/i.test(k))))'], {
      timeoutMs: 10_000,
      env: { ...process.env, 'INPUT_REGISTRY-PASSWORD': 'hunter2', INPUT_PRESET: 'node', KEEP_ME: '1' },
    });
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
  it('lastLines drops blanks', () => {
    expect(lastLines('a\n\nb\nc\n\n', 2)).toBe('b\nc');
  });
  it('splitCommandLine honours quotes and escapes only', () => {
    expect(splitCommandLine(`go test "./..." -run 'A|B' x\\ y ""`)).toEqual(['go', 'test', './...', '-run', 'A|B', 'x y', '']);
  });
});
