/**
 * The published JSON Schemas (schema/*.json) are generated from the zod schemas the code validates
 * with, so they cannot drift: this test fails when a committed file differs from a fresh generation.
 * `npm run schemas` (UPDATE_SCHEMAS=1) rewrites them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { REPO_ROOT } from '../local/harness.js';
import { readActionMeta, readGateMetas } from '../pipeline/action-meta.js';
import { buildConfigSchema } from '../pipeline/config.js';
import { bundleSchema } from './bundle.js';
import { rulesDetailsSchema, testDetailsSchema } from './details-gates.js';
import { evidenceSchema } from './evidence.js';

function generated(schema: z.ZodType, id: string, title: string): string {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' }) as Record<string, unknown>;
  return `${JSON.stringify({ $id: id, title, ...json }, null, 2)}\n`;
}

const SCHEMAS = [
  { file: 'evidence.v1.json', title: 'release-safety/evidence@1: one gate evidence record', schema: () => evidenceSchema },
  { file: 'details-test.v1.json', title: 'release-safety/evidence@1 details of a test gate record', schema: () => testDetailsSchema },
  { file: 'details-rules.v1.json', title: 'release-safety/evidence@1 details of a rules gate record', schema: () => rulesDetailsSchema },
  { file: 'bundle.v1.json', title: 'release-safety/bundle@1: every record of a change, its verdict and image digest', schema: () => bundleSchema },
  {
    file: 'release-safety-config.v1.json',
    title: 'release-safety pipeline config (.github/release-safety.yml)',
    schema: () => buildConfigSchema(readGateMetas(REPO_ROOT), readActionMeta(REPO_ROOT, 'evidence')),
  },
];

describe('published JSON Schemas', () => {
  for (const { file, title, schema } of SCHEMAS) {
    it(`schema/${file} matches the zod schema it is generated from`, () => {
      const fresh = generated(schema(), `https://release-safety.dev/schema/${file}`, title);
      const path = join(REPO_ROOT, 'schema', file);
      if (process.env.UPDATE_SCHEMAS === '1') writeFileSync(path, fresh);
      expect(readFileSync(path, 'utf8'), `schema/${file} is stale: run npm run schemas`).toBe(fresh);
    });
  }
});
