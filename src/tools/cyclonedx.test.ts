import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../local/scratch.js';
import lockfile from './cyclonedx-npm.lock.json' with { type: 'json' };
import { checkPinnedLockfile, CYCLONEDX_NPM_VERSION, treeDigest } from './cyclonedx.js';

describe('cyclonedx-npm pin', () => {
  const dir = scratchDir('rs-cdx-unit-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the committed lockfile names the pinned version and integrity; an edited one is refused', () => {
    expect(() => checkPinnedLockfile(lockfile)).not.toThrow();
    expect(CYCLONEDX_NPM_VERSION).toBe('6.0.1');
    const edited = structuredClone(lockfile) as { packages: Record<string, { integrity?: string }> };
    edited.packages['node_modules/@cyclonedx/cyclonedx-npm']!.integrity = 'sha512-AAAA';
    expect(() => checkPinnedLockfile(edited)).toThrow('does not name 6.0.1 with its pinned integrity');
  });

  it('the tree digest changes when any installed file does', () => {
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(join(dir, 'a', 'b', 'x.js'), 'one');
    const before = treeDigest(join(dir, 'a'));
    expect(treeDigest(join(dir, 'a'))).toBe(before);
    writeFileSync(join(dir, 'a', 'b', 'x.js'), 'two');
    expect(treeDigest(join(dir, 'a'))).not.toBe(before);
  });
});
