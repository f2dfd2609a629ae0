/**
 * `.github/release-safety.yml`: which gates run, with which inputs, in which order. Validated with
 * a zod schema built from the actions' own input names (so a typo in an input is an error naming
 * the key), and published as a JSON Schema for editor completion (schema/release-safety-config.v1.json).
 */
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigurationError } from '../core/errors.js';
import { PIPELINE_GATES, type ActionMeta, type PipelineGate } from './action-meta.js';

/**
 * Where the pipeline runs each gate's bundle: a worker thread of its own process (less CPU: no Node
 * start per gate, which on a 2-core runner is time) or a process of its own (src/pipeline/child.ts).
 */
export const PIPELINE_ISOLATIONS = ['thread', 'process'] as const;
export type PipelineIsolation = (typeof PIPELINE_ISOLATIONS)[number];

/** Inputs the pipeline sets itself: a config that sets them would be silently overridden. */
export const PIPELINE_OWNED_INPUTS = ['evidence-dir'] as const;
/** Inputs that carry credentials: they come from the root action's inputs (secrets), never the file. */
export const SECRET_INPUTS = ['registry-password', 'github-token', 'signing-key'] as const;

const inputValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]);

function withSchema(meta: ActionMeta, scope: string) {
  const allowed = Object.keys(meta.inputs).filter(
    (n) => !(PIPELINE_OWNED_INPUTS as readonly string[]).includes(n) && !(SECRET_INPUTS as readonly string[]).includes(n),
  );
  const shape = Object.fromEntries(allowed.map((name) => [name, inputValue.optional()]));
  return z.strictObject(shape).describe(`inputs of ${scope}, as in its action.yml (credentials come from the root action's inputs)`);
}

export function buildConfigSchema(metas: Record<PipelineGate, ActionMeta>, evidence: ActionMeta) {
  const gateEntry = (gate: PipelineGate) =>
    z
      .strictObject({
        enabled: z.boolean().optional().describe('false: the gate is not run (and not required)'),
        needs: z.array(z.enum(PIPELINE_GATES)).optional().describe('gates that must finish before this one starts'),
        required: z.boolean().optional().describe('false: the gate runs and is reported but does not decide the verdict'),
        with: withSchema(metas[gate], `actions/${gate}`).optional(),
      })
      .optional();
  return z
    .strictObject({
      version: z.literal(1).describe('the config format version'),
      concurrency: z.number().int().min(1).max(64).optional().describe('gates run at the same time (default: the machine cores)'),
      isolation: z
        .enum(PIPELINE_ISOLATIONS)
        .optional()
        .describe(
          'where each gate runs: thread (the default: a worker thread of the pipeline process, when the workspace is its working directory, else a process) or process (a Node process per gate)',
        ),
      gates: z.strictObject(Object.fromEntries(PIPELINE_GATES.map((gate) => [gate, gateEntry(gate)])) as Record<PipelineGate, ReturnType<typeof gateEntry>>),
      evidence: z.strictObject({ with: withSchema(evidence, 'actions/evidence').optional() }).optional(),
    })
    .describe('release-safety pipeline configuration (.github/release-safety.yml)');
}

export type PipelineConfig = {
  version: 1;
  concurrency?: number;
  isolation?: PipelineIsolation;
  gates: Partial<Record<PipelineGate, { enabled?: boolean; needs?: PipelineGate[]; required?: boolean; with?: Record<string, InputValue> }>>;
  evidence?: { with?: Record<string, InputValue> };
};
export type InputValue = z.infer<typeof inputValue>;

/** The runner passes inputs as strings: lists become one item per line. */
export function inputString(value: InputValue): string {
  return Array.isArray(value) ? value.map(String).join('\n') : String(value);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.map(String).join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => [...issue.path.map(String), k].join('.'));
    return `unknown key ${keys.map((k) => `"${k}"`).join(', ')}: ${acceptedAt(issue.path.map(String))}`;
  }
  if (issue.code === 'invalid_value' || issue.code === 'invalid_type' || issue.code === 'invalid_union') {
    return `key "${key}": ${issue.message}; ${acceptedAt(issue.path.map(String))}`;
  }
  return `key "${key}": ${issue.message}`;
}

function acceptedAt(path: string[]): string {
  if (path.length === 0) return 'the accepted keys are version, concurrency, isolation, gates, evidence';
  if (path[0] === 'gates' && path.length === 1) return `the accepted gates are ${PIPELINE_GATES.join(', ')}`;
  if (path[0] === 'gates' && path.length === 2) return 'a gate accepts enabled (true|false), needs (a list of gates), required (true|false), with (its inputs)';
  if (path.includes('with')) return "inputs are the action's own input names (see its action.yml), each a string, number, boolean or list";
  if (path[0] === 'version') return 'version must be 1';
  if (path[0] === 'isolation') return `isolation is one of ${PIPELINE_ISOLATIONS.join(', ')}`;
  return 'see schema/release-safety-config.v1.json';
}

/** Parses and validates the config text; every problem is listed, each naming its key. */
export function parseConfig(text: string, source: string, schema: ReturnType<typeof buildConfigSchema>): PipelineConfig {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigurationError(`${source} is not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ConfigurationError(`${source} must be a mapping with the keys version (1) and gates; see schema/release-safety-config.v1.json`);
  }
  const result = schema.safeParse(data);
  if (!result.success) {
    throw new ConfigurationError(`${source}: ${result.error.issues.map(describeIssue).join('; ')}`);
  }
  return result.data as PipelineConfig;
}

export function readConfig(path: string, shown: string, schema: ReturnType<typeof buildConfigSchema>): PipelineConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigurationError(
      `input "config": ${shown} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): give the path of the pipeline config, e.g. .github/release-safety.yml`,
    );
  }
  return parseConfig(text, shown, schema);
}
