import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/local/harness.js';

function demo(env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'demo', 'index.js')], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 560_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('npm run demo (dist/demo/index.js)', () => {
  it('runs the root action over every gate, one comment, and promotes the digest it built and checked from ci to prod', { timeout: 600_000 }, async () => {
    const { code, out } = await demo({ DEMO_QUICK: '1' });
    expect(code, out).toBe(0);
    for (const gate of ['lint', 'test', 'audit', 'secrets', 'rules', 'image', 'alerts']) expect(out).toMatch(new RegExp(`■ ${gate} pass in \\d+\\.\\d s`));
    expect(out).toContain('DEMO_QUICK=1: the live alert drill is skipped');
    const digest = /verdict: pass {2}digest: (sha256:[0-9a-f]{64})/.exec(out)?.[1];
    expect(digest, out).toBeDefined();
    expect(out).toContain(`:ci -> :prod at ${digest}`);
    expect(out).toMatch(/comment {5}1 sticky comment on pull request #42 \(\d+ characters\); commit status success/);
    expect(out).toMatch(/evidence {4}7 records, bundle sha256:[0-9a-f]{64}, verdict pass/);
    expect(out).toContain(': the same digest');
  });

  it('refuses the promotion when the pull request breaks a gate, with the reason', { timeout: 600_000 }, async () => {
    const { code, out } = await demo({ DEMO_BREAK: 'lint' });
    expect(code, out).toBe(1);
    expect(out).toMatch(/■ lint fail in \d+\.\d s: eslint: 1 error/);
    expect(out).toMatch(/■ image skipped in 0\.0 s: not run: it needs lint \(fail\)/);
    expect(out).toContain('promotion   REFUSED');
    expect(out).toMatch(/- lint is fail: eslint: 1 error/);
    expect(out).not.toContain(':ci -> :prod');
  });

  it('a renamed metric blocks the promotion through the alerts gate', { timeout: 600_000 }, async () => {
    const { code, out } = await demo({ DEMO_BREAK: 'metric' });
    expect(code, out).toBe(1);
    expect(out).toMatch(/■ rules pass in/);
    expect(out).toMatch(/■ alerts fail in \d+\.\d s: /);
    expect(out).toContain('promotion   REFUSED');
    expect(out).toMatch(/- alerts is fail: metric contract: 1 finding\(s\), not exposed: app_errors_total/);
  });

  it('rejects an unknown DEMO_BREAK value', async () => {
    const { code, out } = await demo({ DEMO_BREAK: 'everything' });
    expect(code).toBe(2);
    expect(out).toContain('DEMO_BREAK must be one of lint, test, rules, secrets, metric');
  });
});
