import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../src/local/harness.js';
import type { z } from 'zod';

/**
 * The runner sends an action.yml `default:` when an input is not set; the pipeline, the CLI and
 * the tests send "" and rely on the zod shape's default. Both paths must mean the same thing, so
 * for every input whose action.yml has a non-empty default, the shape parses "" and that default
 * to the same value.
 */

/**
 * Defaults the runner evaluates (`${{ ... }}`) cannot be parsed here: each is listed with what the
 * shape gives when the expression is not evaluated (no runner), so a new one is a decision, not a gap.
 */
const EXPRESSION_DEFAULTS: Record<string, { expression: string; unset: unknown }> = {
  // Without a token the evidence reporters degrade to the job summary (src/actions/evidence/main.ts).
  'pipeline.github-token': { expression: '${{ github.token }}', unset: '' },
  'evidence.github-token': { expression: '${{ github.token }}', unset: '' },
  'promote.github-token': { expression: '${{ github.token }}', unset: '' },
};

interface ActionMeta {
  inputs?: Record<string, { default?: unknown; required?: boolean }>;
}

const actions: { name: string; yml: string }[] = [
  { name: 'pipeline', yml: join(REPO_ROOT, 'action.yml') },
  ...readdirSync(join(REPO_ROOT, 'actions'))
    .filter((name) => existsSync(join(REPO_ROOT, 'actions', name, 'action.yml')))
    .sort()
    .map((name) => ({ name, yml: join(REPO_ROOT, 'actions', name, 'action.yml') })),
];

async function loadShape(name: string): Promise<Record<string, z.ZodType>> {
  const mod = (await import(join(REPO_ROOT, 'src', 'actions', name, 'main.ts'))) as { inputs: Record<string, z.ZodType> };
  return mod.inputs;
}

/** What the shape makes of a raw input string, or the first issue's message when it refuses it. */
function parsed(schema: z.ZodType, raw: string): { value: unknown } | { refused: string } {
  const result = schema.safeParse(raw);
  return result.success ? { value: result.data } : { refused: result.error.issues[0]?.message ?? 'refused' };
}

describe('action.yml defaults equal the zod input shapes\u2019 defaults', () => {
  it('covers the root action and every gate and the evidence action', () => {
    expect(actions.map((a) => a.name)).toEqual(
      expect.arrayContaining(['pipeline', 'lint', 'test', 'image', 'audit', 'secrets', 'rules', 'alerts', 'evidence']),
    );
  });

  for (const { name, yml } of actions) {
    it(`${name}: every non-empty action.yml default parses to the shape's own default`, async () => {
      const meta = parse(readFileSync(yml, 'utf8')) as ActionMeta;
      const shape = await loadShape(name);
      const mismatches: string[] = [];
      let compared = 0;
      for (const [input, spec] of Object.entries(meta.inputs ?? {})) {
        const schema = shape[input];
        if (schema === undefined || spec.default === undefined) continue;
        const yamlDefault = String(spec.default);
        const key = `${name}.${input}`;
        if (yamlDefault.includes('${{')) {
          const known = EXPRESSION_DEFAULTS[key];
          if (known === undefined) mismatches.push(`${key}: expression default ${yamlDefault} is not listed in EXPRESSION_DEFAULTS`);
          else {
            expect(yamlDefault, key).toBe(known.expression);
            expect(parsed(schema, ''), key).toEqual({ value: known.unset });
          }
          compared++;
          continue;
        }
        if (yamlDefault === '') continue;
        compared++;
        const fromYaml = parsed(schema, yamlDefault);
        const fromShape = parsed(schema, '');
        if (JSON.stringify(fromYaml) !== JSON.stringify(fromShape)) {
          mismatches.push(
            `${key}: action.yml default ${JSON.stringify(yamlDefault)} gives ${JSON.stringify(fromYaml)}, the shape's default gives ${JSON.stringify(fromShape)}`,
          );
        }
      }
      expect(mismatches).toEqual([]);
      // An action whose yaml has non-empty defaults must have had them compared (guards the loop).
      const nonEmpty = Object.values(meta.inputs ?? {}).filter((s) => s.default !== undefined && String(s.default) !== '').length;
      expect(compared).toBe(nonEmpty);
    }, 60_000); // importing an action's whole entry point takes seconds on a busy machine
  }

  it('tells a differing default apart (the comparison can fail)', async () => {
    const shape = await loadShape('lint');
    const preset = shape['preset'];
    expect(preset).toBeDefined();
    expect(parsed(preset!, 'python')).not.toEqual(parsed(preset!, ''));
    expect(parsed(preset!, 'node')).toEqual(parsed(preset!, ''));
  });
});
