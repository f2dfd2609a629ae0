import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { removeScratchDirs, scratchDir } from './scratch.js';
import { guardTempDirectory } from './temp-guard.js';

describe('the temp-directory guard', () => {
  it('fails a strict run naming what was left, and removes it', () => {
    const outer = tmpdir();
    const teardown = guardTempDirectory('probe', true);
    const runTemp = tmpdir();
    expect(runTemp).not.toBe(outer);
    mkdirSync(join(runTemp, 'rs-left-behind'));
    writeFileSync(join(runTemp, 'stray.txt'), 'x');
    mkdirSync(join(runTemp, 'node-compile-cache'));
    expect(teardown).toThrowError(/probe tests left 2 item\(s\) in the temp directory \(removed now\): rs-left-behind, stray.txt; make them with scratchDir/);
    expect(existsSync(runTemp)).toBe(false);
    expect(tmpdir()).toBe(outer);
  });

  it('passes when scratch folders were removed, and only warns when not strict', () => {
    const teardown = guardTempDirectory('probe', true);
    const dir = scratchDir('rs-probe-');
    expect(dir.startsWith(tmpdir())).toBe(true);
    removeScratchDirs();
    expect(existsSync(dir)).toBe(false);
    expect(teardown).not.toThrow();

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const lenient = guardTempDirectory('probe', false);
    writeFileSync(join(tmpdir(), 'stray.txt'), 'x');
    expect(lenient).not.toThrow();
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/left 1 item\(s\).*stray.txt/));
    warn.mockRestore();
  });
});
