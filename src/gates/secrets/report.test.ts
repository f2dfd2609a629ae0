import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../core/errors.js';
import { scratchDir } from '../../local/scratch.js';
import { parseGitleaksIgnore, parseGitleaksReport, readBaseline, renderReport, renderSarif, type ReportedFinding } from './report.js';

// Not a real credential: assembled so this file itself holds no secret-shaped literal.
const SECRET = ['sk', 'live', 'Zx81QpL0aa'].join('_');

const finding: ReportedFinding = {
  rule: 'generic-api-key',
  description: 'Generic key.',
  file: 'src/a b.ts',
  startLine: 4,
  endLine: 4,
  startColumn: 7,
  endColumn: 30,
  commit: 'c'.repeat(40),
  fingerprint: `${'c'.repeat(40)}:src/a b.ts:generic-api-key:4`,
  entropy: 4.1,
  tags: [],
};

describe('gitleaks report handling', () => {
  it('drops Secret, Match and Line whatever the report holds', () => {
    const raw = JSON.stringify([
      {
        RuleID: 'r',
        Description: 'd',
        StartLine: 1,
        EndLine: 1,
        StartColumn: 1,
        EndColumn: 9,
        File: 'f',
        Commit: '',
        Entropy: 3,
        Tags: null,
        Fingerprint: 'f:r:1',
        Secret: SECRET,
        Match: `key=${SECRET}`,
        Line: `key=${SECRET}`,
      },
    ]);
    const parsed = parseGitleaksReport(raw);
    expect(JSON.stringify(parsed)).not.toContain(SECRET);
    expect(parsed[0]).toMatchObject({ RuleID: 'r', File: 'f', StartLine: 1 });
  });

  it('rejects what is not a gitleaks report', () => {
    expect(() => parseGitleaksReport('nope')).toThrow(/not JSON/);
    expect(() => parseGitleaksReport('{"a":1}')).toThrow(/gitleaks' JSON format/);
    expect(parseGitleaksReport('null')).toEqual([]);
  });

  it('.gitleaksignore: one fingerprint a line, comments and blanks skipped', () => {
    expect([...parseGitleaksIgnore('# why\n\nabc:f:r:1\r\n  f:r:2  \n')]).toEqual(['abc:f:r:1', 'f:r:2']);
  });

  it('baseline entries are keyed by fingerprint, or built like gitleaks builds one', () => {
    const dir = scratchDir('rs-secrets-baseline-');
    const path = join(dir, 'b.json');
    writeFileSync(
      path,
      JSON.stringify([
        { RuleID: 'r', File: 'f', StartLine: 2, Commit: 'abc', Fingerprint: 'abc:f:r:2' },
        { RuleID: 'r', File: 'g', StartLine: 3 },
      ]),
    );
    expect([...readBaseline(path)]).toEqual(['abc:f:r:2', 'g:r:3']);
    writeFileSync(path, '{"not":"a list"}');
    expect(() => readBaseline(path)).toThrow(ConfigurationError);
    expect(() => readBaseline(join(dir, 'missing.json'))).toThrow(/input "baseline-path"/);
    rmSync(dir, { recursive: true, force: true });
  });

  it('SARIF 2.1.0 with open findings only, encoded URIs, exclusive end column', () => {
    const sarif = JSON.parse(renderSarif([finding, { ...finding, fingerprint: 'x', suppression: { by: 'baseline' } }], '8.28.0'));
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results).toHaveLength(1);
    expect(sarif.runs[0].results[0].locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'src/a%20b.ts', uriBaseId: '%SRCROOT%' },
      region: { startLine: 4, endLine: 4, startColumn: 7, endColumn: 31 },
    });
    expect(sarif.runs[0].tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(['generic-api-key']);
  });

  it('the normalised report is gitleaks-shaped and marks suppressions', () => {
    const rows = JSON.parse(renderReport([finding, { ...finding, suppression: { by: 'gitleaksignore' } }]));
    expect(rows[0]).toMatchObject({ RuleID: 'generic-api-key', Secret: 'REDACTED', Match: 'REDACTED', Status: 'open', Fingerprint: finding.fingerprint });
    expect(rows[1]).toMatchObject({ Status: 'suppressed', SuppressedBy: { by: 'gitleaksignore' } });
  });
});
