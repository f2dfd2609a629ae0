import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../src/local/harness.js';

const actionsDir = join(REPO_ROOT, 'actions');
const names = readdirSync(actionsDir).filter((n) => existsSync(join(actionsDir, n, 'action.yml')));

describe('every action.yml matches its zod input schema', () => {
  it('has at least the lint and test actions', () => {
    expect(names).toEqual(expect.arrayContaining(['lint', 'test']));
  });

  for (const name of names) {
    it(`${name}: schema keys equal action.yml inputs, runs on node24 from dist/${name}`, async () => {
      const meta = parse(readFileSync(join(actionsDir, name, 'action.yml'), 'utf8')) as {
        inputs?: Record<string, { default?: string; required?: boolean }>;
        runs: { using: string; main: string };
      };
      const mod = (await import(join(REPO_ROOT, 'src', 'actions', name, 'main.ts'))) as { inputs: Record<string, unknown> };
      expect(Object.keys(mod.inputs).sort()).toEqual(Object.keys(meta.inputs ?? {}).sort());
      expect(meta.runs.using).toBe('node24');
      expect(meta.runs.main).toBe(`../../dist/${name}/index.js`);
      // Defaults are applied by the schema; action.yml defaults must be strings the schema accepts.
      for (const [input, spec] of Object.entries(meta.inputs ?? {})) {
        expect(typeof (spec.default ?? ''), `${name}.${input} default`).toBe('string');
      }
    });
  }
});
