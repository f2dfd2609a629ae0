import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { scratchDir } from '../local/scratch.js';
import { ToolNotFoundError } from './errors.js';
import { forgetVersions, goLinkedVersion, npmBinPackage, npmBinVersion, parseVersionNumber, probeVersion, versionOrEmpty } from './version.js';

const dir = scratchDir('rs-version-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => forgetVersions());

/** A real executable that counts its runs in a file and prints what it is told to. */
function fakeTool(name: string, output: string, exitCode = 0): { path: string; runs: () => number } {
  const path = join(dir, name);
  const counter = `${path}.runs`;
  writeFileSync(counter, '');
  writeFileSync(
    path,
    `#!${process.execPath}\nrequire('node:fs').appendFileSync(${JSON.stringify(counter)}, 'x');\nprocess.stdout.write(${JSON.stringify(output)} + ' ' + process.argv.slice(2).join(' '));\nprocess.exit(${exitCode});\n`,
  );
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

describe('probeVersion with a version known without running the tool', () => {
  it('reads it instead of starting the tool, and runs the tool when it is not known', async () => {
    const tool = fakeTool('tool-known', 'tool-known 9.9.9');
    expect(await probeVersion({ command: tool.path, known: () => '1.0.0' })).toEqual({ version: '1.0.0' });
    expect(await versionOrEmpty({ command: tool.path, known: () => '1.0.0' })).toBe('1.0.0');
    expect(tool.runs()).toBe(0);
    forgetVersions();
    expect((await probeVersion({ command: tool.path, known: () => undefined })).version).toBe('9.9.9');
    expect(tool.runs()).toBe(1);
  });
});

/** node_modules/<name> with a bin, linked into node_modules/.bin as npm does. */
function fakePackage(name: string, version: string, bin: string): { link: string; file: string; root: string } {
  const root = join(dir, 'node_modules', name);
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name, version, bin: { [bin]: `./bin/${bin}.js` } }));
  const file = join(root, 'bin', `${bin}.js`);
  writeFileSync(file, `#!/usr/bin/env node\nconsole.log('v${version}');\n`);
  chmodSync(file, 0o755);
  const link = join(dir, 'node_modules', '.bin', bin);
  symlinkSync(`../${name}/bin/${bin}.js`, link);
  return { link, file, root };
}

describe('npmBinVersion', () => {
  it("a package's own bin (through node_modules/.bin or on PATH) -> its package.json version", () => {
    const pkg = fakePackage('lintish', '4.5.6', 'lintish');
    expect(npmBinVersion(pkg.link, 'lintish')).toBe('4.5.6');
    expect(npmBinVersion(pkg.file, 'lintish')).toBe('4.5.6');
    expect(npmBinVersion('lintish', 'lintish', join(dir, 'node_modules', '.bin'))).toBe('4.5.6');
    expect(npmBinPackage(pkg.link, 'lintish')?.root).toBe(pkg.root);
  });

  it('anything else is not known: another package, a file the package does not declare, a wrapper, no package', () => {
    const pkg = fakePackage('other', '1.2.3', 'other');
    expect(npmBinVersion(pkg.link, 'lintish-not')).toBeUndefined();
    const undeclared = join(pkg.root, 'bin', 'helper.js');
    writeFileSync(undeclared, '');
    expect(npmBinVersion(undeclared, 'other')).toBeUndefined();
    const wrapper = fakeTool('other-wrapper', '1.2.3');
    expect(npmBinVersion(wrapper.path, 'other')).toBeUndefined();
    expect(npmBinVersion(join(dir, 'absent'), 'other')).toBeUndefined();
    expect(npmBinVersion('absent-command', 'other', dir)).toBeUndefined();
  });

  it('what the real npm and eslint print for --version, exactly', () => {
    const npm = execFileSync('npm', ['--version'], { encoding: 'utf8' }).trim();
    expect(npmBinVersion('npm', 'npm')).toBe(npm);
    const eslint = join(process.cwd(), 'node_modules', '.bin', 'eslint');
    expect(`v${npmBinVersion(eslint, 'eslint')}`).toBe(execFileSync(eslint, ['--version'], { encoding: 'utf8' }).trim());
  });
});

describe('goLinkedVersion', () => {
  const variable = 'example.com/tool/cmd.Version';
  const program = (name: string, before: number, setting: string) => {
    const path = join(dir, name);
    writeFileSync(path, Buffer.concat([Buffer.alloc(before, 0x61), Buffer.from(`\tbuild\t${setting}\n\tbuild\tCGO_ENABLED=0\n`, 'latin1')]));
    return path;
  };

  it.each([
    ['ldflags=-X=example.com/tool/cmd.Version=v8.28.0', '8.28.0'],
    ['-ldflags="-s -w -X=example.com/tool/cmd.Version=8.24.0"', '8.24.0'],
    ['-ldflags="-X example.com/tool/cmd.Version=1.2.3-rc.1"', '1.2.3-rc.1'],
    ['-ldflags="-X=example.com/tool/cmd.Version=version is set by build process"', undefined],
    ['-ldflags="-X=example.com/tool/other.Version=1.2.3"', undefined],
  ])('%s -> %s', (setting, version) => expect(goLinkedVersion(program('go-program', 100, setting), variable)).toBe(version));

  it('finds the setting where it straddles two reads of the program, and past the first megabytes', () => {
    const setting = 'ldflags=-X=example.com/tool/cmd.Version=v3.4.5';
    for (const before of [4 * 1024 * 1024 - 10, 4 * 1024 * 1024 - 45, 9 * 1024 * 1024])
      expect(goLinkedVersion(program('go-big', before, setting), variable)).toBe('3.4.5');
  });

  it('a missing program is not known', () => expect(goLinkedVersion(join(dir, 'absent'), variable)).toBeUndefined());
});
