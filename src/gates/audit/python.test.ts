import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditToolError } from './npm.js';
import { canonicalName, parsePipAuditJson, requirementNames } from './python.js';

// pip-audit is not installed on this machine and PyPI is unreachable: this fixture is written by
// hand in pip-audit 2's `--format json` shape (dependencies with vulns: id, fix_versions, aliases,
// description; a skipped dependency with skip_reason), with real PyPA advisories.
const FIXTURE = readFileSync(join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'audit', 'pip-audit.json'), 'utf8');

describe('pip-audit JSON', () => {
  it('normalises each vulnerability, preferring the GHSA alias as the id', () => {
    const r = parsePipAuditJson(FIXTURE, requirementNames('Flask==0.12.2  # web\n-r base.txt\n\nJinja2==2.11.2\n'));
    expect(r.dependencies).toBe(7);
    expect(r.findings).toHaveLength(3);
    expect(r.findings[0]).toMatchObject({
      ecosystem: 'python',
      package: 'flask',
      version: '0.12.2',
      advisoryId: 'GHSA-562c-5r94-xh97',
      ids: ['PYSEC-2018-66', 'CVE-2018-1000656', 'GHSA-562c-5r94-xh97'],
      severity: 'unknown',
      severitySource: 'none',
      fixedIn: '0.12.3',
      url: 'https://github.com/advisories/GHSA-562c-5r94-xh97',
      direct: true,
      dev: false,
    });
    expect(r.findings[2]).toMatchObject({ package: 'jinja2', advisoryId: 'GHSA-g3rq-g295-4j3m', fixedIn: '2.11.3' });
    expect(r.skipped).toEqual([{ name: 'internal-lib', reason: 'Dependency not found on PyPI and could not be audited: internal-lib (0.3.0)' }]);
  });

  it('a package not in the requirements file is transitive', () => {
    const r = parsePipAuditJson(FIXTURE, new Set(['flask']));
    expect(r.findings.find((f) => f.package === 'jinja2')?.direct).toBe(false);
  });

  it('uses a CVSS score or severity when a service adds one, and picks the lowest fix version', () => {
    const r = parsePipAuditJson(
      JSON.stringify([
        { name: 'a', version: '1.0', vulns: [{ id: 'PYSEC-1', fix_versions: ['1.10', '1.2'], cvss: { score: 9.1 } }] },
        { name: 'b', version: '1.0', vulns: [{ id: 'OSV-2', fix_versions: [], severity: 'MEDIUM' }] },
      ]),
    );
    expect(r.findings[0]).toMatchObject({
      severity: 'critical',
      severitySource: 'cvss',
      cvssScore: 9.1,
      fixedIn: '1.2',
      url: 'https://osv.dev/vulnerability/PYSEC-1',
    });
    expect(r.findings[1]).toMatchObject({ severity: 'moderate', severitySource: 'advisory', fix: 'no fixed version published' });
  });

  it.each([
    ['not json'],
    ['{"fixes": []}'],
    ['{"dependencies":[{"version":"1"}]}'],
    ['{"dependencies":[{"name":"a","version":"1"}]}'],
    ['{"dependencies":[{"name":"a","version":"1","vulns":[{}]}]}'],
  ])('malformed output %j is a tool failure', (text) => {
    expect(() => parsePipAuditJson(text)).toThrow(AuditToolError);
  });

  it('normalises names the PEP 503 way', () => {
    expect(canonicalName('Zope.Interface_x')).toBe('zope-interface-x');
  });
});
