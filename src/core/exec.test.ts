import { readFileSync } from 'node:fs';
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
  it('side work runs at the niceness asked for, the rest at the normal priority', async () => {
    // The nice value is the 19th field of /proc/<pid>/stat (after the parenthesised name). The tool
    // sleeps first, so it is still running when its priority is set.
    const script = 'sleep 0.2; cut -d")" -f2 /proc/$$/stat | cut -d" " -f18';
    const niced = await execTool('sh', ['-c', script], { timeoutMs: 5000, niceness: 10 });
    const normal = await execTool('sh', ['-c', script], { timeoutMs: 5000 });
    expect(niced.stdout.trim()).toBe('10');
    expect(normal.stdout.trim()).toBe('0');
  });

  it('lastLines drops blanks', () => {
    expect(lastLines('a\n\nb\nc\n\n', 2)).toBe('b\nc');
  });
  it('splitCommandLine honours quotes and escapes only', () => {
    expect(splitCommandLine(`go test "./..." -run 'A|B' x\\ y ""`)).toEqual(['go', 'test', './...', '-run', 'A|B', 'x y', '']);
  });
});

/** Running, as opposed to gone or a zombie nobody reaped (PID 1 in a container may not). */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('execTool timeouts whatever holds the pipes', () => {
  it('ends the wait and kills a setsid grandchild that holds stdout', async () => {
    const script =
      'const { spawn } = require("node:child_process"); const g = spawn("setsid", ["sleep", "60"], { stdio: ["ignore", "inherit", "inherit"] }); console.log("grandchild " + g.pid); setTimeout(() => {}, 60000);';
    const r = await execTool('node', ['-e', script], { timeoutMs: 1_000 });
    expect(r.timedOut).toBe(true);
    expect(r.durationMs).toBeLessThan(8_000);
    const pid = Number(/grandchild (\d+)/.exec(r.stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    await new Promise((done) => setTimeout(done, 200));
    expect(running(pid)).toBe(false);
  });
  it('a tool that exits leaving a setsid daemon on its stdout still ends at the timeout', async () => {
    const script =
      'const { spawn } = require("node:child_process"); const g = spawn("setsid", ["sleep", "60"], { stdio: ["ignore", "inherit", "inherit"], detached: false }); g.unref(); console.log("grandchild " + g.pid);';
    const r = await execTool('node', ['-e', script], { timeoutMs: 1_000 });
    expect(r.durationMs).toBeLessThan(8_000);
    expect(r.exitCode).toBe(0);
    const pid = Number(/grandchild (\d+)/.exec(r.stdout)?.[1]);
    await new Promise((done) => setTimeout(done, 200));
    expect(running(pid)).toBe(false);
  });
  it('fires while output streams without end, through the live log', async () => {
    const { streamBetweenMarkers } = await import('./log.js');
    let written = 0;
    const stream = streamBetweenMarkers((line) => (written += line.length));
    const r = await execTool(
      'node',
      ['-e', 'const s = "x".repeat(1 << 20); (function go() { while (process.stdout.write(s)); process.stdout.once("drain", go); })()'],
      {
        timeoutMs: 1_500,
        maxBuffer: 1 << 20,
        onStdout: (chunk) => stream.write(chunk),
      },
    );
    stream.end();
    expect(r.timedOut).toBe(true);
    expect(r.durationMs).toBeLessThan(8_000);
    expect(written).toBeLessThan(64 * 1024);
  });
});
