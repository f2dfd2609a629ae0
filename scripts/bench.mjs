#!/usr/bin/env node
// Runs every benchmark in bench/ one after another (each measures its own ratios in one run).
// `npm run bench -- audit rules` runs only the named ones.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'bench');
const wanted = process.argv.slice(2);
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.mjs'))
  .map((f) => f.replace(/\.mjs$/, ''))
  .sort();
const names = wanted.length ? wanted : all;
let failed = 0;
for (const name of names) {
  if (!all.includes(name)) {
    console.error(`bench: no bench/${name}.mjs (have: ${all.join(', ')})`);
    process.exit(2);
  }
  console.log(`\n== bench/${name}.mjs`);
  const r = spawnSync(process.execPath, [join(dir, `${name}.mjs`)], { stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
