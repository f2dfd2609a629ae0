import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { advisoriesBehind, AuditToolError, dependencyPath, normaliseNpmAudit, parseLockfile, parseNpmAuditJson } from './npm.js';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'audit');
// Recorded from npm 11.19.1 (`npm audit --json --package-lock-only`) on fixtures/audit/mixed,
// against the test advisory server serving fixtures/audit/advisories.json and packuments.json.
const recorded = readFileSync(join(FIXTURES, 'npm-audit-mixed.json'), 'utf8');
const lockText = readFileSync(join(FIXTURES, 'mixed', 'package-lock.json'), 'utf8');

describe('package-lock.json', () => {
  const lock = parseLockfile(lockText, 'app/package-lock.json');

  it('finds dependency paths the way node resolves them, nested copies included', () => {
    expect(dependencyPath(lock, 'node_modules/minimist')).toEqual(['rc', 'minimist']);
    expect(dependencyPath(lock, 'node_modules/mkdirp/node_modules/minimist')).toEqual(['mkdirp', 'minimist']);
    expect(dependencyPath(lock, 'node_modules/lodash')).toEqual(['lodash']);
  });

  it('knows the line of every entry', () => {
    const lines = lockText.split('\n');
    expect(lines[lock.lines.get('node_modules/mkdirp/node_modules/minimist')! - 1]).toContain('"node_modules/mkdirp/node_modules/minimist": {');
    const entries = Object.keys(lock.packages).filter((k) => k.includes('node_modules/'));
    expect(entries.length).toBeGreaterThan(5);
    for (const k of entries) expect(lines[lock.lines.get(k)! - 1], k).toMatch(new RegExp(`^\\s*"${k.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}": \\{`));
    // CRLF line ends and a first entry on line 1 count the same
    const crlf = parseLockfile('{"lockfileVersion":3,"packages":{\r\n"node_modules/a": {"version":"1.0.0"},\r\n  "node_modules/b": {"version":"1.0.0"}}}', 'p');
    expect([crlf.lines.get('node_modules/a'), crlf.lines.get('node_modules/b')]).toEqual([2, 3]);
  });

  it('refuses a lockfileVersion 1 file and text that is not JSON', () => {
    expect(() => parseLockfile('{"lockfileVersion":1,"dependencies":{}}', 'p')).toThrow(/no "packages" map \(lockfileVersion 1\)/);
    expect(() => parseLockfile('<<<<<<< HEAD', 'p')).toThrow(/p is not JSON/);
  });

  it('follows workspace links to the linked folder', () => {
    const ws = parseLockfile(
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          '': { name: 'root', workspaces: ['packages/a'] },
          'node_modules/a': { resolved: 'packages/a', link: true },
          'packages/a': { name: 'a', version: '1.0.0', dependencies: { left: '^1' } },
          'node_modules/left': { version: '1.0.0' },
        },
      }).replace(/,/g, ',\n'),
      'p',
    );
    expect(dependencyPath(ws, 'node_modules/left')).toEqual(['a', 'left']);
    expect(ws.parents.get('node_modules/left')).toBe('packages/a');
  });
});

describe('npm audit report (version 2)', () => {
  const lock = parseLockfile(lockText, 'app/package-lock.json');
  const report = parseNpmAuditJson(recorded);

  it('makes one finding per installed copy and advisory, checking each copy against the range', () => {
    const findings = normaliseNpmAudit(report, lock);
    const keys = findings.map((f) => `${f.package}@${f.version} ${f.advisoryId}`).sort();
    expect(keys).toEqual([
      'lodash@4.17.15 GHSA-29mw-wpgm-hmr9',
      'lodash@4.17.15 GHSA-35jh-r3h4-6jhm',
      'lodash@4.17.15 GHSA-p6mc-m468-83gw',
      'minimist@0.0.8 GHSA-vh95-rmgr-6w4m',
      'minimist@0.0.8 GHSA-xvch-5gv4-984h',
      'minimist@1.2.0 GHSA-vh95-rmgr-6w4m',
      'minimist@1.2.0 GHSA-xvch-5gv4-984h',
    ]);
    // mkdirp is only a metavuln (via: ["minimist"]): no finding of its own
    expect(findings.some((f) => f.package === 'mkdirp')).toBe(false);
    const nested = findings.find((f) => f.version === '0.0.8' && f.advisoryId === 'GHSA-xvch-5gv4-984h')!;
    expect(nested).toMatchObject({
      location: 'node_modules/mkdirp/node_modules/minimist',
      ids: ['GHSA-xvch-5gv4-984h', 'npm:1097677', '1097677'],
      severity: 'critical',
      severitySource: 'advisory',
      cvssScore: 9.8,
      vulnerableRange: '<0.2.4',
      fixedIn: '0.2.4',
      fix: 'npm audit fix',
      path: ['mkdirp', 'minimist'],
      direct: false,
      dev: true,
    });
    expect(findings.find((f) => f.version === '1.2.0' && f.advisoryId === 'GHSA-xvch-5gv4-984h')).toMatchObject({
      fixedIn: '1.2.6',
      dev: false,
      path: ['rc', 'minimist'],
    });
  });

  it('follows via chains to the advisories behind a metavuln', () => {
    const behind = advisoriesBehind(report.vulnerabilities as never, 'mkdirp');
    expect(new Set(behind.map((b) => b.advisory.url))).toEqual(
      new Set(['https://github.com/advisories/GHSA-vh95-rmgr-6w4m', 'https://github.com/advisories/GHSA-xvch-5gv4-984h']),
    );
  });

  it('without a lockfile, falls back on the report: npm isDirect and the effects chain', () => {
    const findings = normaliseNpmAudit(report);
    const m = findings.find((f) => f.package === 'minimist')!;
    expect(m.version).toBe('');
    expect(m.path).toEqual(['mkdirp', '…', 'minimist']);
    expect(findings.find((f) => f.package === 'lodash')?.direct).toBe(true);
  });

  it('takes the severity from CVSS when the advisory has none, and says unknown when there is neither', () => {
    const r = parseNpmAuditJson(
      JSON.stringify({
        auditReportVersion: 2,
        vulnerabilities: {
          a: {
            name: 'a',
            isDirect: true,
            via: [
              {
                source: 1,
                name: 'a',
                title: 'x',
                url: 'https://github.com/advisories/GHSA-aaaa-bbbb-cccc',
                severity: null,
                cvss: { score: 5.3 },
                range: '<2.0.0',
              },
            ],
            effects: [],
            nodes: ['node_modules/a'],
            fixAvailable: false,
          },
          b: {
            name: 'b',
            isDirect: true,
            via: [{ source: 2, name: 'b', title: 'y', severity: '', cvss: { score: 0, vectorString: null }, range: '<2.0.0' }],
            effects: [],
            nodes: ['node_modules/b'],
            fixAvailable: { name: 'c', version: '3.0.0', isSemVerMajor: true },
          },
        },
        metadata: { vulnerabilities: { total: 2 } },
      }),
    );
    const [a, b] = normaliseNpmAudit(r);
    expect(a).toMatchObject({
      severity: 'moderate',
      severitySource: 'cvss',
      cvssScore: 5.3,
      fix: expect.stringContaining('no fix through the dependency tree'),
    });
    expect(b).toMatchObject({ severity: 'unknown', severitySource: 'none', advisoryId: 'npm:2', fix: 'upgrade c to 3.0.0 (semver major)' });
  });

  it('keeps every finding npm reported whose range node-semver reads with partial versions, and any it cannot read', () => {
    const lockWith = (version: string) =>
      parseLockfile(
        JSON.stringify({ lockfileVersion: 3, packages: { '': { name: 'r', dependencies: { a: '*' } }, 'node_modules/a': { version } } }, null, 2),
        'p',
      );
    const reportWith = (range: string) =>
      parseNpmAuditJson(
        JSON.stringify({
          auditReportVersion: 2,
          vulnerabilities: {
            a: {
              name: 'a',
              isDirect: true,
              via: [{ source: 1, name: 'a', title: 'x', url: 'https://github.com/advisories/GHSA-aaaa-bbbb-cccc', severity: 'high', range }],
              effects: [],
              nodes: ['node_modules/a'],
              fixAvailable: true,
            },
          },
          metadata: { vulnerabilities: { total: 1 } },
        }),
      );
    for (const range of ['<=1.2', '1.0.0 - 1.2', '1.2', '~1.2', '^1.2.0', 'latest', '>=1.0.0 foo']) {
      expect(normaliseNpmAudit(reportWith(range), lockWith('1.2.5')), range).toHaveLength(1);
    }
    // a copy outside the advisory's range is still left out (npm lists every copy of the package)
    expect(normaliseNpmAudit(reportWith('<=1.2'), lockWith('1.3.0'))).toHaveLength(0);
  });

  it.each([
    [
      'ENOLOCK',
      '{"error":{"code":"ENOLOCK","summary":"This command requires an existing lockfile.","detail":"Try creating one first with: npm i --package-lock-only"}}',
      /ENOLOCK: This command requires an existing lockfile/,
      false,
    ],
    [
      'a 500 from the advisory service',
      '{"message":"500 Internal Server Error - POST http://r/-/npm/v1/security/advisories/bulk","method":"POST","uri":"http://r/","statusCode":500,"body":"oops","error":{"summary":"","detail":""}}',
      /500 Internal Server Error .*HTTP 500/,
      true,
    ],
    [
      'a 404',
      '{"message":"404 Not Found - POST http://r/-/npm/v1/security/advisories/bulk","statusCode":404,"error":{"summary":"","detail":""}}',
      /404 Not Found/,
      false,
    ],
    ['a reset connection', '{"message":"request to http://r/ failed, reason: socket hang up","error":{"summary":"","detail":""}}', /socket hang up/, true],
    [
      'a body that is not JSON',
      '{"message":"invalid json response body at http://r/ reason: Unexpected token <","error":{"summary":"","detail":""}}',
      /invalid json/,
      false,
    ],
  ])('npm reporting %s is a tool failure', (_name, stdout, message, transient) => {
    let error: unknown;
    try {
      parseNpmAuditJson(stdout);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AuditToolError);
    expect((error as AuditToolError).message).toMatch(message);
    expect((error as AuditToolError).transient).toBe(transient);
  });

  it.each([
    ['', /did not print JSON/],
    ['[1]', /not an object/],
    ['{"auditReportVersion":1,"advisories":{}}', /version 1/],
    ['{"auditReportVersion":2}', /no "vulnerabilities" map/],
    ['{"auditReportVersion":2,"vulnerabilities":{"a":{"name":"a","via":"x"}}}', /entry "a" is not in npm's format/],
    ['{"auditReportVersion":2,"vulnerabilities":{},"metadata":{"vulnerabilities":{"total":3}}}', /inconsistent/],
  ])('malformed output %j is a tool failure', (stdout, message) => {
    expect(() => parseNpmAuditJson(stdout)).toThrow(message);
  });
});
