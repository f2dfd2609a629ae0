/**
 * Limits that must hold on the shipped bundles: a timeout ends the step whatever still holds the
 * pipes, long output lines stream in linear time and are cut for the log, and oversized or odd
 * values (runner variables, line numbers, advisory titles) never cost the evidence record.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startAdvisoryServer } from '../../src/local/advisory-server.js';
import { REPO_ROOT, runAction } from '../../src/local/harness.js';
import { scratchDir } from '../../src/local/scratch.js';
import { evidenceOf } from './workspace.js';

// Scratch directories (workspaces and the runner's own) are removed when the file ends (src/local/vitest-cleanup.ts).
const scratch = scratchDir;
const run = runAction;

function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** A test-gate workspace whose "test command" is this node script. */
function testCommand(script: string): string {
  const ws = scratch('rs-limits-');
  writeFileSync(join(ws, 't.js'), script);
  return ws;
}

describe('timeouts and long output (test bundle)', () => {
  it('timeout-seconds ends the step although a setsid grandchild holds stdout, and kills it', async () => {
    const ws = testCommand(
      'const { spawn } = require("node:child_process"); const g = spawn("setsid", ["sleep", "120"], { stdio: ["ignore", "inherit", "inherit"] }); console.log("grandchild " + g.pid); g.unref();',
    );
    const started = Date.now();
    const result = await run('test', { workspace: ws, inputs: { preset: 'command', command: 'node t.js', 'timeout-seconds': '3' }, timeoutMs: 100_000 });
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(result.outputs.status).toBe('error');
    expect(evidenceOf(result).summary).toMatch(/timed out|did not finish in time/);
    const pid = Number(/grandchild (\d+)/.exec(result.stdout)?.[1]);
    expect(pid).toBeGreaterThan(0);
    expect(running(pid)).toBe(false);
  });

  it('the timeout fires while a tool streams output without end', async () => {
    const ws = testCommand('const s = "z".repeat(1 << 20); (function go() { while (process.stdout.write(s)); process.stdout.once("drain", go); })();');
    const started = Date.now();
    const result = await run('test', { workspace: ws, inputs: { preset: 'command', command: 'node t.js', 'timeout-seconds': '3' }, timeoutMs: 100_000 });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(result.outputs.status).toBe('error');
    expect(evidenceOf(result).status).toBe('error');
    expect(result.stdout.length).toBeLessThan(1 << 20);
  });

  it('single output lines of 10, 50 and 600 MB stream in linear time, cut for the log', async () => {
    const seconds: Record<number, number> = {};
    for (const mb of [10, 50, 600]) {
      const ws = testCommand(
        `const s = "w".repeat(1 << 20); let n = ${mb}; (function go() { while (n > 0) { n--; if (!process.stdout.write(s)) return process.stdout.once("drain", go); } process.stdout.write("\\n"); process.exitCode = 1; })();`,
      );
      const started = Date.now();
      const result = await run('test', { workspace: ws, inputs: { preset: 'command', command: 'node t.js', 'timeout-seconds': '200' }, timeoutMs: 250_000 });
      seconds[mb] = (Date.now() - started) / 1000;
      expect(result.outputs.status).toMatch(/^(fail|error)$/);
      expect(evidenceOf(result).gate).toBe('test');
      expect(result.stdout).toMatch(/more characters of this line not shown/);
      expect(result.stdout.length).toBeLessThan(1 << 20);
    }
    console.log(`long-line streaming, seconds per bundle run: ${JSON.stringify(seconds)}`);
    // 60x the bytes of the 10 MB run, start-up included: linear stays far below the quadratic 3600x.
    expect(seconds[600]!).toBeLessThan(Math.max(seconds[10]!, 1) * 60);
    expect(seconds[600]!).toBeLessThan(120);
  }, 400_000);
});

describe('oversized values never cost the record', () => {
  it('GITHUB_REF over 1,000 characters, an event name over 100, a run id over 40, a lint line of 1.5', async () => {
    const ws = scratch('rs-limits-lint-');
    const report = [
      {
        filePath: join(ws, 'a.js'),
        messages: [{ ruleId: 'r', severity: 2, message: 'm'.repeat(50_000), line: 1.5, column: -1, endLine: 0.5 }],
        errorCount: 1,
        warningCount: 0,
      },
    ];
    writeFileSync(join(ws, 'a.js'), 'x;\n');
    writeFileSync(join(ws, 'lint.js'), `require('node:fs').writeFileSync('report.json', ${JSON.stringify(JSON.stringify(report))}); process.exit(1);`);
    const result = await run('lint', {
      workspace: ws,
      eventName: 'x'.repeat(200),
      env: { GITHUB_REF: `refs/heads/${'r'.repeat(2000)}`, GITHUB_RUN_ID: '9'.repeat(60) },
      inputs: { preset: 'command', command: 'node lint.js', report: 'report.json', 'report-format': 'eslint-json' },
    });
    expect(result.outputs.status, result.stdout.slice(-2000)).toBe('fail');
    const record = evidenceOf(result);
    expect(record.subject.ref).toBeUndefined();
    expect(record.subject.runId).toBeUndefined();
    expect(record.subject.eventName.length).toBeLessThanOrEqual(100);
    expect(record.findings[0]).toMatchObject({ severity: 'error', file: 'a.js' });
    expect(record.findings[0]!.line).toBeUndefined();
    expect(record.findings[0]!.message.length).toBeLessThanOrEqual(2000);
    for (const line of result.stdout.split('\n')) expect(line.length).toBeLessThan(10_000);
  });

  it('a 30 MB advisory title is clamped in the record and in the annotation', async () => {
    const title = `Huge ${'t'.repeat(30 * 1024 * 1024)}`;
    const server = await startAdvisoryServer({
      advisories: {
        lodash: [
          {
            id: 7,
            url: 'https://github.com/advisories/GHSA-huge',
            title,
            severity: 'critical',
            vulnerable_versions: '<99.0.0',
            cwe: [],
            cvss: { score: 9, vectorString: null },
          },
        ],
      },
    });
    try {
      const ws = scratch('rs-limits-audit-');
      cpSync(join(REPO_ROOT, 'test', 'fixtures', 'audit', 'lodash-only'), join(ws, 'app'), { recursive: true });
      const result = await run('audit', { workspace: ws, inputs: { 'working-directory': 'app', registry: server.url } });
      expect(result.outputs.status, result.stdout.slice(-2000)).toBe('fail');
      const record = evidenceOf(result);
      expect(record.findings.length).toBeGreaterThan(0);
      expect(result.annotations.filter((a) => a.command === 'error').length).toBeGreaterThan(0);
      for (const line of result.stdout.split('\n')) expect(line.length).toBeLessThan(10_000);
    } finally {
      await server.close();
    }
  }, 120_000);
});
