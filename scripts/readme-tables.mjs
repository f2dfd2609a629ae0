#!/usr/bin/env node
// The README's input and output tables, generated from each action.yml so they cannot drift:
// every block between `<!-- action-table: <dir> -->` and `<!-- /action-table -->` is rewritten
// with that action's inputs (name, default, description) and outputs. `--check` fails, naming the
// action, when the committed README differs from a fresh rendering (run by the unit tests).
import { readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const BLOCK = /<!-- action-table: ([\w./-]+) -->\n[\s\S]*?<!-- \/action-table -->/g;

const cell = (text) => String(text).replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();

export function renderActionTable(dir) {
  const meta = parse(readFileSync(join(root, dir, 'action.yml'), 'utf8'));
  const lines = ['| input | default | meaning |', '| --- | --- | --- |'];
  for (const [name, spec] of Object.entries(meta.inputs ?? {})) {
    const def = spec.default === undefined || spec.default === '' ? '' : `\`${cell(spec.default)}\``;
    lines.push(`| \`${name}\` | ${def} | ${cell(spec.description ?? '')} |`);
  }
  lines.push('', '| output | meaning |', '| --- | --- |');
  for (const [name, spec] of Object.entries(meta.outputs ?? {})) lines.push(`| \`${name}\` | ${cell(spec.description ?? '')} |`);
  return lines.join('\n');
}

export function renderReadme(text) {
  return text.replace(BLOCK, (_all, dir) => `<!-- action-table: ${dir} -->\n${renderActionTable(dir)}\n<!-- /action-table -->`);
}

export function tableDirs(text) {
  return [...text.matchAll(BLOCK)].map((m) => m[1]);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const path = join(root, 'README.md');
  const text = readFileSync(path, 'utf8');
  const fresh = renderReadme(text);
  if (process.argv.includes('--check')) {
    if (fresh !== text) {
      console.error('README.md input/output tables differ from the action.yml files: run node scripts/readme-tables.mjs');
      process.exit(1);
    }
  } else writeFileSync(path, fresh);
}
