import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { consoleLogger } from '../../core/log.js';
import { forgetVersions } from '../../core/version.js';
import { scratchDir } from '../../local/scratch.js';
import { gitleaksCommand, gitleaksVersion, linkedGitleaksVersion, runGitleaksDir } from './gitleaks.js';

beforeEach(() => forgetVersions());

describe('gitleaksVersion', () => {
  it('reads from the engine the npm package runs exactly what `gitleaks version` prints, without starting it', async () => {
    const gitleaks = join(process.cwd(), 'node_modules', '.bin', 'gitleaks');
    const printed = execFileSync(gitleaks, ['version'], { encoding: 'utf8' }).trim();
    expect(`v${linkedGitleaksVersion(gitleaks)}`).toBe(printed);
    expect(`v${await gitleaksVersion(gitleaks, 60_000)}`).toBe(printed);
  });

  it('a program without gitleaks build information is not read: it is asked', () => {
    expect(linkedGitleaksVersion(process.execPath)).toBeUndefined();
    expect(linkedGitleaksVersion('gitleaks-on-path')).toBeUndefined();
  });
});

describe('gitleaksCommand', () => {
  const engine = join(process.cwd(), 'node_modules', '.bin', 'gitleaks');

  it('starts the npm engine on the Node this code runs on, the release binary (anything else) as it is', () => {
    expect(gitleaksCommand(engine)).toEqual({ command: process.execPath, args: [realpathSync(engine)] });
    expect(gitleaksCommand('/usr/bin/git')).toEqual({ command: '/usr/bin/git', args: [] });
  });

  it('scans with the npm engine when PATH has no node (a container job, a bare self-hosted runner)', async () => {
    const dir = scratchDir('rs-gitleaks-');
    const path = process.env.PATH;
    try {
      mkdirSync(join(dir, 'tree'));
      mkdirSync(join(dir, 'empty-path'));
      // Assembled at run time so that this file holds no key-shaped string.
      writeFileSync(join(dir, 'tree', 'config.env'), `AWS_ACCESS_KEY_ID=${['AK', 'IA'].join('')}Z7QK4M2XWJPL3RTN\n`);
      writeFileSync(join(dir, 'ignore'), '');
      process.env.PATH = join(dir, 'empty-path');
      const result = await runGitleaksDir({
        gitleaks: engine,
        cwd: join(dir, 'tree'),
        reportPath: join(dir, 'report.json'),
        emptyIgnorePath: join(dir, 'ignore'),
        timeoutMs: 120_000,
        log: consoleLogger(true),
      });
      expect(result.findings.map((f) => [f.RuleID, f.File])).toEqual([['aws-access-token', 'config.env']]);
    } finally {
      process.env.PATH = path;
    }
  });
});
