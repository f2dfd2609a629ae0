import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { scratchDir } from '../../local/scratch.js';
import { loadRules, writeDrillCopies } from './rulefiles.js';

describe('drill copies of rule files', () => {
  const dir = scratchDir('rs-rulefiles-');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('set every group interval to 1s and keep each for and expr', () => {
    writeFileSync(
      join(dir, 'a.yml'),
      'groups:\n  - name: g\n    interval: 1m\n    rules:\n      - alert: A\n        expr: |\n          sum(rate(x[5m])) > 1\n        for: 3m\n  - name: h\n    rules:\n      - record: r\n        expr: x\n',
    );
    const loaded = loadRules(['*.yml'], dir, join(dir, 'scratch'));
    expect(loaded.hashes).toEqual([{ path: 'a.yml', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    const rule = loaded.files[0]!.groups[0]!.rules[0]!;
    expect(rule).toMatchObject({ name: 'A', exprLine: 6, exprBlock: true });
    const [copy] = writeDrillCopies(loaded.files, join(dir, 'scratch'));
    const data = parse(readFileSync(copy!, 'utf8')) as { groups: { interval: string; rules: { for?: string; expr: string }[] }[] };
    expect(data.groups.map((g) => g.interval)).toEqual(['1s', '1s']);
    expect(data.groups[0]!.rules[0]).toEqual({ alert: 'A', expr: 'sum(rate(x[5m])) > 1\n', for: '3m' });
  });
});
