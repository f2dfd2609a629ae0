import { readFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scratchDir } from '../../local/scratch.js';
import {
  ARCHIVE_NAME_SUFFIX,
  LayeredScratchTree,
  PatchParser,
  RESERVED_DIR,
  reportedScratchPath,
  scannableName,
  unquoteGitPath,
  type AddedFile,
} from './patch.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

const LOG = [
  `\x01${A}`,
  '',
  'diff --git a/src/app.ts b/src/app.ts',
  'index 111..222 100644',
  '--- a/src/app.ts',
  '+++ b/src/app.ts',
  '@@ -3,0 +4,2 @@ function x() {',
  '+const one = 1;',
  '+const two = 2;',
  '@@ -10 +12 @@',
  '-old',
  '+new line twelve',
  '\\ No newline at end of file',
  'diff --git a/gone.txt b/gone.txt',
  'deleted file mode 100644',
  '--- a/gone.txt',
  '+++ /dev/null',
  '@@ -1,2 +0,0 @@',
  '-a',
  '-b',
  'diff --git a/logo.png b/logo.png',
  'new file mode 100644',
  'Binary files /dev/null and b/logo.png differ',
  `\x01${B}`,
  '',
  'diff --git "a/dir/tab\\there.txt" "b/dir/tab\\there.txt"',
  'new file mode 100644',
  '--- /dev/null',
  '+++ "b/dir/tab\\there.txt"',
  '@@ -0,0 +1 @@',
  '+++ looks like a header but is content',
  'diff --git a/old.ts b/new.ts',
  'similarity index 90%',
  'rename from old.ts',
  'rename to new.ts',
  '--- a/old.ts',
  '+++ b/new.ts',
  '@@ -5 +5 @@',
  '-x',
  '+y',
  '',
].join('\n');

function parseAll(text: string, chunk = text.length): { files: AddedFile[]; commits: string[] } {
  const files: AddedFile[] = [];
  const commits: string[] = [];
  const p = new PatchParser(
    (f) => files.push(f),
    (c) => commits.push(c),
  );
  for (let i = 0; i < text.length; i += chunk) p.write(text.slice(i, i + chunk));
  p.end();
  return { files, commits };
}

describe('PatchParser', () => {
  it('keeps only added lines with their new line numbers; skips deleted and binary files', () => {
    const { files, commits } = parseAll(LOG);
    expect(commits).toEqual([A, B]);
    expect(files).toEqual([
      {
        commit: A,
        path: 'src/app.ts',
        hunks: [
          { start: 4, lines: ['const one = 1;', 'const two = 2;'] },
          { start: 12, lines: ['new line twelve'] },
        ],
      },
      { commit: B, path: 'dir/tab\there.txt', hunks: [{ start: 1, lines: ['++ looks like a header but is content'] }] },
      { commit: B, path: 'new.ts', hunks: [{ start: 5, lines: ['y'] }] },
    ]);
  });

  it('gives the same result however the stream is chunked', () => {
    const whole = parseAll(LOG);
    for (const size of [1, 7, 64]) expect(parseAll(LOG, size)).toEqual(whole);
  });

  it('keeps the text of a file whose added lines hold NUL bytes, the NUL bytes removed (a NUL never hides a line)', () => {
    const log = [
      `\x01${A}`,
      'diff --git a/blob.bin b/blob.bin',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/blob.bin',
      '@@ -0,0 +1,3 @@',
      '+PNG',
      '+\0\0\x01key',
      '+more',
      'diff --git a/x.env b/x.env',
      '--- /dev/null',
      '+++ b/x.env',
      '@@ -0,0 +1 @@',
      '+K=1',
      '',
    ].join('\n');
    expect(parseAll(log).files).toEqual([
      { commit: A, path: 'blob.bin', hunks: [{ start: 1, lines: ['PNG', '\x01key', 'more'] }], nulBytes: true },
      { commit: A, path: 'x.env', hunks: [{ start: 1, lines: ['K=1'] }] },
    ]);
  });

  it('reads UTF-16 text as its characters (NUL bytes of the encoding removed)', () => {
    const utf16 = Buffer.from('KEY=abc\n', 'utf16le').toString('latin1').split('\n');
    const log = [`\x01${A}`, 'diff --git a/c.ini b/c.ini', '--- /dev/null', '+++ b/c.ini', '@@ -0,0 +1,2 @@', `+${utf16[0]}`, `+${utf16[1]}`, ''].join('\n');
    expect(parseAll(log).files[0]!.hunks[0]!.lines).toEqual(['KEY=abc', '']);
  });

  it('reads combined diffs (--cc) of octopus merges: only lines new against every parent, at their result line', () => {
    const log = [
      `\x01${A}`,
      '',
      'diff --cc merged.txt',
      'index 0000000,0000000,0000000..d5f7fc3',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/merged.txt',
      '@@@@ -1,0 -1,0 -1,0 +1,1 @@@@',
      '+++added',
      'diff --cc one.txt',
      'index df967b9,6d8dab9,df967b9..ced7850',
      '--- a/one.txt',
      '+++ b/one.txt',
      '@@@@ -2,0 -2,1 -2,0 +2,4 @@@@ base',
      '+ +from parent two',
      '+++NEW three',
      '- -removed',
      '++ from parent three',
      '+++NEW five',
      'diff --cc gone.txt',
      '--- a/gone.txt',
      '+++ /dev/null',
      '@@@@ -1,1 -1,1 -1,1 +0,0 @@@@',
      '---x',
      '',
    ].join('\n');
    const { files, commits } = parseAll(log);
    expect(commits).toEqual([A]);
    expect(files).toEqual([
      { commit: A, path: 'merged.txt', hunks: [{ start: 1, lines: ['added'] }] },
      {
        commit: A,
        path: 'one.txt',
        hunks: [
          { start: 3, lines: ['NEW three'] },
          { start: 5, lines: ['NEW five'] },
        ],
      },
    ]);
    for (const size of [1, 5]) expect(parseAll(log, size).files).toEqual(files);
  });

  it('counts commits without changes', () => {
    const { files, commits } = parseAll(`\x01${A}\n\x01${B}\n`);
    expect(commits).toEqual([A, B]);
    expect(files).toEqual([]);
  });

  it('unquotes git C-style paths, octal UTF-8 included', () => {
    expect(unquoteGitPath('"b/caf\\303\\251 \\"x\\".txt"')).toBe('b/café "x".txt');
    expect(unquoteGitPath('b/plain.txt')).toBe('b/plain.txt');
  });
});

describe('reportedScratchPath', () => {
  it('keeps a backslash in a file name except on Windows, where it separates', () => {
    expect(reportedScratchPath('dir\\name.env', 'linux')).toBe('dir\\name.env');
    expect(reportedScratchPath('./dir\\name.env', 'darwin')).toBe('dir\\name.env');
    expect(reportedScratchPath('src\\a\\b.ts', 'win32')).toBe('src/a/b.ts');
    expect(reportedScratchPath('./src/a.ts', 'linux')).toBe('src/a.ts');
  });
});

describe('LayeredScratchTree', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

  function tree(maxBuffered?: number, foldCase?: boolean) {
    const root = scratchDir('rs-secrets-unit-');
    roots.push(root);
    return { root, t: new LayeredScratchTree(root, new Set(['.gitleaksignore']), maxBuffered, foldCase) };
  }

  it('writes added lines at their line numbers, blank elsewhere, and maps lines back to commits', () => {
    const { root, t } = tree();
    t.add({ commit: A, path: 'src/x.ts', hunks: [{ start: 3, lines: ['three', 'four'] }] });
    t.add({ commit: B, path: 'src/x.ts', hunks: [{ start: 6, lines: ['six'] }] });
    t.flush();
    expect(t.layerDirs()).toEqual([join(root, '0')]);
    expect(readFileSync(join(root, '0', 'src/x.ts'), 'utf8')).toBe('\n\nthree\nfour\n\nsix\n');
    expect(t.commitAt(join(root, '0'), 'src/x.ts', 4)).toBe(A);
    expect(t.commitAt(join(root, '0'), 'src/x.ts', 6)).toBe(B);
    expect(t.commitAt(join(root, '0'), 'src/x.ts', 5)).toBeUndefined();
    expect(t.stats).toMatchObject({ filesScanned: 2, linesAdded: 3, layers: 1 });
  });

  it('places a hunk whose line numbers are taken after the end of the same file, and maps it back', () => {
    const { root, t } = tree();
    t.add({ commit: A, path: 'f.txt', hunks: [{ start: 1, lines: ['a1', 'a2'] }] });
    t.add({
      commit: B,
      path: 'f.txt',
      hunks: [
        { start: 2, lines: ['b2'] },
        { start: 4, lines: ['b4'] },
      ],
    });
    t.flush();
    expect(t.layerDirs()).toEqual([join(root, '0')]);
    // b2 collides with a2: moved to line 4 (after a blank line 3); b4 then collides with it: line 6.
    expect(readFileSync(join(root, '0', 'f.txt'), 'utf8')).toBe('a1\na2\n\nb2\n\nb4\n');
    expect(t.origin(join(root, '0'), 'f.txt', 2)).toEqual({ commit: A, path: 'f.txt', line: 2 });
    expect(t.origin(join(root, '0'), 'f.txt', 4)).toEqual({ commit: B, path: 'f.txt', line: 2 });
    expect(t.origin(join(root, '0'), 'f.txt', 6)).toEqual({ commit: B, path: 'f.txt', line: 4 });
    expect(t.origin(join(root, '0'), 'f.txt', 3)).toBeUndefined();
    expect(t.stats).toMatchObject({ layers: 1, movedHunks: 2 });
  });

  it('200 commits editing the same line are one layer (one gitleaks run), each line traced to its commit', () => {
    const { root, t } = tree();
    const shas = Array.from({ length: 200 }, (_, i) => i.toString(16).padStart(40, '0'));
    for (const [i, sha] of shas.entries()) t.add({ commit: sha, path: 'VERSION', hunks: [{ start: 1, lines: [`1.0.${i}`] }] });
    t.flush();
    expect(t.layerDirs()).toEqual([join(root, '0')]);
    const lines = readFileSync(join(root, '0', 'VERSION'), 'utf8').split('\n');
    for (const [i, sha] of shas.entries()) {
      const at = lines.indexOf(`1.0.${i}`) + 1;
      expect(t.origin(join(root, '0'), 'VERSION', at)).toEqual({ commit: sha, path: 'VERSION', line: 1 });
    }
  });

  it('a file later replaced by a directory of the same name goes to another layer (no EISDIR)', () => {
    const { root, t } = tree();
    t.add({ commit: A, path: 'conf', hunks: [{ start: 1, lines: ['file'] }] });
    t.add({ commit: B, path: 'conf/app.env', hunks: [{ start: 1, lines: ['in the directory'] }] });
    t.add({ commit: B, path: 'x/y/z', hunks: [{ start: 1, lines: ['deep'] }] });
    t.add({ commit: A, path: 'x/y', hunks: [{ start: 1, lines: ['a file where a directory was'] }] });
    expect(() => t.flush()).not.toThrow();
    expect(t.layerDirs()).toEqual([join(root, '0'), join(root, '1')]);
    expect(readFileSync(join(root, '0', 'conf'), 'utf8')).toBe('file\n');
    expect(readFileSync(join(root, '1', 'conf/app.env'), 'utf8')).toBe('in the directory\n');
    expect(readFileSync(join(root, '1', 'x/y'), 'utf8')).toBe('a file where a directory was\n');
    expect(t.origin(join(root, '1'), 'conf/app.env', 1)).toEqual({ commit: B, path: 'conf/app.env', line: 1 });
    expect(t.origin(join(root, '0'), 'x/y/z', 1)).toEqual({ commit: B, path: 'x/y/z', line: 1 });
  });

  it('where the file system folds case, README and readme go to different layers', () => {
    const { root, t } = tree(undefined, true);
    t.add({ commit: A, path: 'README', hunks: [{ start: 1, lines: ['upper'] }] });
    t.add({ commit: B, path: 'readme', hunks: [{ start: 1, lines: ['lower'] }] });
    t.flush();
    expect(t.layerDirs()).toEqual([join(root, '0'), join(root, '1')]);
    expect(t.origin(join(root, '1'), 'readme', 1)?.commit).toBe(B);
  });

  it('writes a file of 300,000 added lines (no Math.max(...keys) stack overflow)', () => {
    const { root, t } = tree();
    const lines = Array.from({ length: 300_000 }, (_, i) => `line ${i + 1}`);
    t.add({ commit: A, path: 'big.txt', hunks: [{ start: 1, lines }] });
    expect(() => t.flush()).not.toThrow();
    const text = readFileSync(join(root, '0', 'big.txt'), 'utf8');
    expect(text.split('\n')).toHaveLength(300_001);
    expect(t.origin(join(root, '0'), 'big.txt', 300_000)).toEqual({ commit: A, path: 'big.txt', line: 300_000 });
  });

  it('counts binary files as skipped, with their commit', () => {
    const { t } = tree();
    t.add({ commit: A, path: 'blob.bin', hunks: [], binary: true });
    t.flush();
    expect(t.layerDirs()).toEqual([]);
    expect(t.stats.skipped).toEqual([{ commit: A, path: 'blob.bin', reason: 'binary content (NUL bytes)' }]);
  });

  it('scans the root .gitleaksignore under a renamed path and maps it back; never writes a path that would leave the tree', () => {
    const { root, t } = tree();
    t.add({ commit: A, path: '.gitleaksignore', hunks: [{ start: 2, lines: ['x'] }] });
    t.add({ commit: A, path: 'sub/.gitleaksignore', hunks: [{ start: 1, lines: ['y'] }] });
    t.add({ commit: A, path: '../escape.txt', hunks: [{ start: 1, lines: ['x'] }] });
    t.flush();
    expect(t.layerDirs()).toEqual([join(root, '0')]);
    expect(existsSync(join(root, '0', '.gitleaksignore'))).toBe(false);
    expect(readFileSync(join(root, '0', RESERVED_DIR, '.gitleaksignore'), 'utf8')).toBe('\nx\n');
    expect(t.origin(join(root, '0'), `${RESERVED_DIR}/.gitleaksignore`, 2)).toEqual({ commit: A, path: '.gitleaksignore', line: 2 });
    expect(readFileSync(join(root, '0', 'sub/.gitleaksignore'), 'utf8')).toBe('y\n');
    expect(existsSync(join(root, '..', 'escape.txt'))).toBe(false);
    expect(t.stats.skipped.map((s) => s.path)).toEqual(['../escape.txt']);
  });

  it('flushes when the buffer bound is reached; later content goes to new layers', () => {
    const { root, t } = tree(4);
    t.add({ commit: A, path: 'f.txt', hunks: [{ start: 1, lines: ['aaaa'] }] });
    t.add({ commit: B, path: 'f.txt', hunks: [{ start: 2, lines: ['bbbb'] }] });
    t.flush();
    expect(t.layerDirs()).toEqual([join(root, '0'), join(root, '1')]);
    expect(readFileSync(join(root, '0', 'f.txt'), 'utf8')).toBe('aaaa\n');
    expect(readFileSync(join(root, '1', 'f.txt'), 'utf8')).toBe('\nbbbb\n');
    expect(t.commitAt(join(root, '1'), 'f.txt', 2)).toBe(B);
  });
});

describe('LayeredScratchTree: nothing gitleaks would skip by name or first bytes', () => {
  const root = scratchDir('rs-layers-guard-');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('with a leading blank line, no added content sits at byte 0; lines map back', () => {
    const t = new LayeredScratchTree(join(root, 'lead'), new Set(), undefined, false, 1);
    t.add({ commit: A, path: 'mz.txt', hunks: [{ start: 1, lines: ['MZ', 'token'] }] });
    t.flush();
    const dir = t.layerDirs()[0]!;
    expect(readFileSync(join(dir, 'mz.txt'), 'utf8')).toBe('\nMZ\ntoken\n');
    expect(t.origin(dir, 'mz.txt', 3)).toEqual({ commit: A, path: 'mz.txt', line: 2 });
    expect(t.origin(dir, 'mz.txt', 1)).toBeUndefined();
  });

  it('a file named like an archive is written under another name and mapped back; originsOf lists its commits', () => {
    const t = new LayeredScratchTree(join(root, 'archive'), new Set(), undefined, false);
    t.add({ commit: A, path: 'deploy/creds.ZIP', hunks: [{ start: 1, lines: ['k=1'] }] });
    t.add({ commit: B, path: 'deploy/creds.ZIP', hunks: [{ start: 2, lines: ['k=2'] }] });
    t.add({ commit: B, path: 'app.jar', hunks: [{ start: 1, lines: ['j'] }], nulBytes: true });
    t.flush();
    const dir = t.layerDirs()[0]!;
    const scratch = `deploy/creds_ZIP${ARCHIVE_NAME_SUFFIX}`;
    expect(scannableName('docs/a.brand.txt')).toBe(`docs/a_brand_txt${ARCHIVE_NAME_SUFFIX}`);
    expect(scannableName('dir.tar/plain.txt')).toBe('dir.tar/plain.txt');
    expect(existsSync(join(dir, 'deploy/creds.ZIP'))).toBe(false);
    expect(readFileSync(join(dir, scratch), 'utf8')).toBe('k=1\nk=2\n');
    expect(t.origin(dir, scratch, 2)).toEqual({ commit: B, path: 'deploy/creds.ZIP', line: 2 });
    expect(t.originsOf(dir, scratch)).toEqual([
      { commit: A, path: 'deploy/creds.ZIP' },
      { commit: B, path: 'deploy/creds.ZIP' },
    ]);
    expect(t.originsOf(dir, 'nope')).toEqual([]);
    expect(existsSync(join(dir, 'app.jar'))).toBe(true);
    expect(t.stats.withNulBytes).toBe(1);
  });
});
