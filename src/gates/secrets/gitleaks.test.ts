import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { forgetVersions } from '../../core/version.js';
import { gitleaksVersion, linkedGitleaksVersion } from './gitleaks.js';

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
