#!/usr/bin/env node
// Bundles every entry point under src/actions/<name>/index.ts (and src/demo) into dist/<name>/index.js with ncc.
// `node scripts/build.mjs lint test` builds only the named actions. ncc type-checks while it
// bundles (its transpile-only mode drops tree shaking and nearly triples the bundles).
import { execFile } from 'node:child_process';
import { readdirSync, existsSync, renameSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const actionsDir = join(root, 'src', 'actions');
// Every action, plus the demo (npm run demo) and the CLI, which are bundled the same way.
const entries = Object.fromEntries(
  readdirSync(actionsDir)
    .filter((name) => existsSync(join(actionsDir, name, 'index.ts')))
    .map((name) => [name, join(actionsDir, name, 'index.ts')]),
);
entries.demo = join(root, 'src', 'demo', 'index.ts');
// The local command line (bin/release-safety.mjs).
entries.cli = join(root, 'src', 'cli', 'index.ts');
const all = Object.keys(entries).sort();
const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!all.includes(name)) {
    console.error(`build: unknown action "${name}"; known: ${all.join(', ')}`);
    process.exit(2);
  }
}
const names = wanted.length > 0 ? wanted : all;
const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');

async function bundle(name) {
  const out = join(root, 'dist', name);
  // Build beside the target and swap only on success: a failed build leaves dist/ as it was.
  const staging = `${out}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  const started = Date.now();
  try {
    await run(process.execPath, [ncc, 'build', entries[name], '-o', staging, '--license', 'licenses.txt', '-q', '--target', 'es2022'], {
      cwd: root,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    console.error(`build of dist/${name} failed; dist/${name} is unchanged:\n${error.stderr || error.message}`);
    process.exitCode = 1;
    return;
  }
  rmSync(out, { recursive: true, force: true });
  renameSync(staging, out);
  console.log(`built dist/${name}/index.js in ${Date.now() - started} ms`);
}

/** A build that was killed leaves its staging folder; one whose process is gone is removed (it is not a bundle). */
function removeStaleStaging() {
  for (const entry of readdirSync(join(root, 'dist'))) {
    const pid = Number(/\.building-(\d+)$/.exec(entry)?.[1]);
    if (!pid) continue;
    try {
      process.kill(pid, 0);
    } catch (error) {
      if (error.code !== 'ESRCH') continue;
      rmSync(join(root, 'dist', entry), { recursive: true, force: true });
      console.log(`removed dist/${entry}, left by a build that was stopped`);
    }
  }
}
if (existsSync(join(root, 'dist'))) removeStaleStaging();

// Two at a time: ncc is CPU-bound and the machines have two cores.
const queue = [...names];
await Promise.all(
  [0, 1].map(async () => {
    while (queue.length > 0) await bundle(queue.shift());
  }),
);
