import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/local/harness.js';

function demo(env: Record<string, string> = {}): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'dist', 'demo', 'index.js')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 280_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('npm run demo (dist/demo/index.js)', () => {
  it('runs all six gates, bundles their evidence and promotes the digest from ci to prod', async () => {
    const { code, out } = await demo();
    expect(code, out).toBe(0);
    for (const gate of ['lint', 'test', 'audit', 'secrets', 'rules', 'image']) expect(out).toMatch(new RegExp(`\\n {2}pass\\s+${gate}\\s`));
    const digest = /image\s+\S+@(sha256:[0-9a-f]{64})/.exec(out)?.[1];
    expect(digest, out).toBeDefined();
    expect(out).toContain(`:ci -> :prod at ${digest}`);
    expect(out).toMatch(/evidence\s+6 records for commit [0-9a-f]{12}, bundle sha256:[0-9a-f]{64}/);
  });

  it('refuses the promotion when the pull request breaks a gate', async () => {
    const { code, out } = await demo({ DEMO_BREAK: 'lint' });
    expect(code, out).toBe(1);
    expect(out).toMatch(/\n {2}fail\s+lint\s/);
    expect(out).toContain('promotion   REFUSED');
    expect(out).toMatch(/- lint is fail: eslint: 1 error/);
    expect(out).not.toContain(':ci -> :prod');
  });

  it('rejects an unknown DEMO_BREAK value', async () => {
    const { code, out } = await demo({ DEMO_BREAK: 'everything' });
    expect(code).toBe(2);
    expect(out).toContain('DEMO_BREAK must be one of lint, test, rules, secrets');
  });
});
