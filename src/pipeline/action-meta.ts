/**
 * The input and output names of each action, read from its own action.yml: the pipeline passes a
 * gate exactly the inputs that gate declares, so the config file and the actions cannot drift.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

/** The gates the pipeline runs, in the order it starts them when nothing else decides. */
export const PIPELINE_GATES = ['lint', 'test', 'audit', 'secrets', 'rules', 'image', 'alerts'] as const;
export type PipelineGate = (typeof PIPELINE_GATES)[number];

const actionYamlSchema = z.object({
  name: z.string(),
  inputs: z.record(z.string(), z.object({ description: z.string().optional(), default: z.unknown().optional(), required: z.boolean().optional() })).optional(),
  outputs: z.record(z.string(), z.object({ description: z.string().optional() })).optional(),
  runs: z.object({ using: z.string(), main: z.string() }),
});

export interface ActionMeta {
  name: string;
  /** Input name -> default as action.yml declares it ('' when none). */
  inputs: Record<string, string>;
  outputs: string[];
}

/** Reads actions/<name>/action.yml under the suite's root. */
export function readActionMeta(root: string, name: string): ActionMeta {
  const path = join(root, 'actions', name, 'action.yml');
  if (!existsSync(path)) throw new Error(`the suite has no action ${name}: ${path} is missing`);
  const parsed = actionYamlSchema.parse(parse(readFileSync(path, 'utf8')));
  const inputs: Record<string, string> = {};
  for (const [input, spec] of Object.entries(parsed.inputs ?? {})) inputs[input] = spec.default === undefined ? '' : String(spec.default);
  return { name, inputs, outputs: Object.keys(parsed.outputs ?? {}) };
}

export function readGateMetas(root: string): Record<PipelineGate, ActionMeta> {
  return Object.fromEntries(PIPELINE_GATES.map((gate) => [gate, readActionMeta(root, gate)])) as Record<PipelineGate, ActionMeta>;
}
