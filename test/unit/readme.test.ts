import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
// @ts-expect-error: a plain .mjs script without type declarations
import { renderReadme, tableDirs } from '../../scripts/readme-tables.mjs';
import { REPO_ROOT } from '../../src/local/harness.js';

describe('README input and output tables', () => {
  const text = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  it('has a table for the root action and for every action in actions/', () => {
    const actions = readdirSync(join(REPO_ROOT, 'actions'))
      .filter((d) => existsSync(join(REPO_ROOT, 'actions', d, 'action.yml')))
      .map((d) => `actions/${d}`);
    expect([...(tableDirs(text) as string[])].sort()).toEqual(['.', ...actions].sort());
  });
  it('match each action.yml, names and defaults (node scripts/readme-tables.mjs regenerates them)', () => {
    expect(renderReadme(text) as string).toBe(text);
  });
  it('shows each input with the default its action.yml declares', () => {
    const blocks = [...text.matchAll(/<!-- action-table: ([\w./-]+) -->\n([\s\S]*?)<!-- \/action-table -->/g)];
    expect(blocks.length).toBeGreaterThan(0);
    for (const [, dir, body] of blocks) {
      const meta = parse(readFileSync(join(REPO_ROOT, dir!, 'action.yml'), 'utf8')) as { inputs?: Record<string, { default?: string }> };
      const shown = new Map([...body!.matchAll(/^\| `([\w-]+)` \| (`(.*?)`)? \|/gm)].map((m) => [m[1]!, m[3] ?? '']));
      expect([...shown.keys()].sort(), `${dir} inputs`).toEqual(Object.keys(meta.inputs ?? {}).sort());
      for (const [input, spec] of Object.entries(meta.inputs ?? {}))
        expect(shown.get(input), `${dir} ${input}`).toBe(
          String(spec.default ?? '')
            .replace(/\s+/g, ' ')
            .trim(),
        );
    }
  });
});
