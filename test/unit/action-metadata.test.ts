// The action metadata a user reads on the Marketplace and in the README: descriptions within the
// Marketplace's limit, every input and output described, and each action.yml default the value the
// action really uses when the input is left unset (the README tables show the action.yml default).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { REPO_ROOT } from '../../src/local/harness.js';

/** The GitHub Marketplace refuses an action whose description is longer than this. */
const MARKETPLACE_DESCRIPTION_LIMIT = 125;

interface ActionMeta {
  name?: string;
  description?: string;
  inputs?: Record<string, { description?: string; default?: string; required?: boolean }>;
  outputs?: Record<string, { description?: string }>;
  runs: { main: string };
}

const actionDirs = [
  '.',
  ...readdirSync(join(REPO_ROOT, 'actions'))
    .filter((d) => existsSync(join(REPO_ROOT, 'actions', d, 'action.yml')))
    .map((d) => `actions/${d}`),
];

function readMeta(dir: string): ActionMeta {
  return parse(readFileSync(join(REPO_ROOT, dir, 'action.yml'), 'utf8')) as ActionMeta;
}

/** The entry point's input shape, found from the bundle runs.main names (dist/<name>/index.js). */
async function inputShape(meta: ActionMeta): Promise<Record<string, z.ZodType>> {
  const name = /dist\/([\w-]+)\/index\.js$/.exec(meta.runs.main)?.[1];
  expect(name, meta.runs.main).toBeDefined();
  return ((await import(join(REPO_ROOT, 'src', 'actions', name!, 'main.ts'))) as { inputs: Record<string, z.ZodType> }).inputs;
}

describe('action metadata', () => {
  it('covers the root action and every action in actions/', () => {
    expect(actionDirs).toEqual(expect.arrayContaining(['.', 'actions/lint', 'actions/test', 'actions/rules']));
  });

  for (const dir of actionDirs) {
    describe(dir, () => {
      const meta = readMeta(dir);

      it(`has a name and a description of at most ${MARKETPLACE_DESCRIPTION_LIMIT} characters`, () => {
        expect(meta.name?.trim()).toBeTruthy();
        expect(meta.description?.trim(), 'description').toBeTruthy();
        expect(meta.description!.length, meta.description).toBeLessThanOrEqual(MARKETPLACE_DESCRIPTION_LIMIT);
      });

      it('describes every input and every output', () => {
        for (const [input, spec] of Object.entries(meta.inputs ?? {})) expect(spec?.description?.trim(), `input ${input}`).toBeTruthy();
        for (const [output, spec] of Object.entries(meta.outputs ?? {})) expect(spec?.description?.trim(), `output ${output}`).toBeTruthy();
      });

      it('each default in action.yml is what the action uses when the input is unset', async () => {
        const shape = await inputShape(meta);
        for (const [input, spec] of Object.entries(meta.inputs ?? {})) {
          const schema = shape[input];
          expect(schema, `input ${input} in the entry point's schema`).toBeDefined();
          const declared = spec.default ?? '';
          // Empty means "see the description"; an expression (${{ github.token }}) is the runner's to fill in.
          if (declared === '' || declared.includes('${{')) continue;
          const unset = schema!.safeParse('');
          const asDeclared = schema!.safeParse(declared);
          expect(asDeclared.success, `${input}: default ${JSON.stringify(declared)} is accepted`).toBe(true);
          // A required input has no default to compare: unset, it is refused.
          if (!unset.success) continue;
          expect(asDeclared.data, `${input}: action.yml default ${JSON.stringify(declared)} vs the schema's`).toEqual(unset.data);
        }
      });
    });
  }
});
