import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { scratchDir } from '../local/scratch.js';
import { ToolNotFoundError } from './errors.js';
import { forgetVersions, parseVersionNumber, probeVersion, versionOrEmpty } from './version.js';

const dir = scratchDir('rs-version-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => forgetVersions());

/** A real executable that counts its runs in a file and prints what it is told to. */
function fakeTool(name: string, output: string, exitCode = 0): { path: string; runs: () => number } {
  const path = join(dir, name);
  const counter = `${path}.runs`;
  writeFileSync(counter, '');
  writeFileSync(path, `#!${process.execPath}\nrequire('node:fs').appendFileSync(${JSON.stringify(counter)}, 'x');\nprocess.stdout.write(${JSON.stringify(output)} + ' ' + process.argv.slice(2).join(' '));\nprocess.exit(${exitCode});\n`);
  chmodSync(path, 0o755);
  return { path, runs: () => readFileSync(counter, 'utf8').length };
}

describe('parseVersionNumber', () => {
  it.each([
    ['promtool, version 2.42.0+ds (branch: debian/sid)', '2.42.0+ds'],
    ['v8.24.0', '8.24.0'],
    ['10.9.2\n', '10.9.2'],
    ['buildah version 1.39.3 (image-spec 1.1.0)', '1.39.3'],
    ['no version here', ''],
    ['1.2', ''],
  ])('%j -> %j', (text, version) => expect(parseVersionNumber(text)).toBe(version));
});

describe('probeVersion', () => {
  it('asks each executable once per process, however many callers ask at the same time or later', async () => {
    const tool = fakeTool('tool-a', 'tool-a 1.2.3');
    const answers = await Promise.all([probeVersion({ command: tool.path }), probeVersion({ command: tool.path }), probeVersion({ command: tool.path })]);
    expect((await probeVersion({ command: tool.path })).version).toBe('1.2.3');
    expect(answers.map((a) => a.version)).toEqual(['1.2.3', '1.2.3', '1.2.3']);
    expect(tool.runs()).toBe(1);
  });

  it('different arguments are a different question; a caller may read the one run with its own parser', async () => {
    const tool = fakeTool('tool-b', 'tool-b, version 4.5.6');
    await probeVersion({ command: tool.path });
    await probeVersion({ command: tool.path, args: ['version'] });
    const own = await probeVersion({ command: tool.path }, (text) => /tool-b, version (\S+)/.exec(text)?.[1] ?? '');
    expect(own.version).toBe('4.5.6');
    expect(tool.runs()).toBe(2);
  });

  it('a missing tool rejects and is asked again once it exists', async () => {
    const path = join(dir, 'tool-later');
    await expect(probeVersion({ command: path })).rejects.toBeInstanceOf(ToolNotFoundError);
    const tool = fakeTool('tool-later', '7.8.9');
    expect((await probeVersion({ command: path })).version).toBe('7.8.9');
    expect(tool.runs()).toBe(1);
  });

  it('versionOrEmpty: the version, or "" for a missing tool or one that exits non-zero', async () => {
    expect(await versionOrEmpty({ command: fakeTool('tool-ok', '3.0.0').path })).toBe('3.0.0');
    expect(await versionOrEmpty({ command: fakeTool('tool-broken', '3.0.0', 2).path })).toBe('');
    expect(await versionOrEmpty({ command: join(dir, 'absent') })).toBe('');
  });
});
