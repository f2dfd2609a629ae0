import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/local/harness.js';
// @ts-expect-error: a plain .mjs script without type declarations
import { renderReadme, tableDirs } from '../../scripts/readme-tables.mjs';

describe('README input and output tables', () => {
  const text = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
  it('has a table for the root action and for every action in actions/', () => {
    const actions = readdirSync(join(REPO_ROOT, 'actions')).filter((d) => existsSync(join(REPO_ROOT, 'actions', d, 'action.yml'))).map((d) => `actions/${d}`);
    expect([...(tableDirs(text) as string[])].sort()).toEqual(['.', ...actions].sort());
  });
  it('match each action.yml, names and defaults (node scripts/readme-tables.mjs regenerates them)', () => {
    expect(renderReadme(text) as string).toBe(text);
  });
});
