import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../core/errors.js';
import { ExceptionLedger, parseExceptions } from '../../core/exceptions.js';
import { consoleLogger } from '../../core/log.js';
import { scratchDir } from '../../local/scratch.js';
import { findingMessage, judgeFindings, mergeCopies, redactUrlCredentials, runAuditGate, type AuditOptions } from './index.js';
import { registrySettings } from './registry.js';
import type { VulnFinding } from './model.js';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'audit');
const RECORDED = readFileSync(join(FIXTURES, 'npm-audit-mixed.json'), 'utf8');

function finding(over: Partial<VulnFinding>): VulnFinding {
  return {
    ecosystem: 'npm',
    package: 'p',
    version: '1.0.0',
    advisoryId: 'GHSA-aaaa-bbbb-cccc',
    ids: ['GHSA-aaaa-bbbb-cccc'],
    title: 't',
    severity: 'high',
    severitySource: 'advisory',
    path: ['p'],
    direct: true,
    dev: false,
    ...over,
  };
}

describe('judging findings', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const entries = parseExceptions(
    'exceptions:\n  - id: CVE-2021-1\n    reason: not reachable\n    owner: a\n    expires: 2026-12-31\n  - id: GHSA-dddd-eeee-ffff\n    reason: old one\n    owner: b\n    expires: 2026-01-01\n  - id: GHSA-zzzz-zzzz-zzzz\n    reason: nobody\n    owner: c\n    expires: 2027-01-01\n',
    'x.yml',
  );

  it('splits blocking, below threshold, suppressed (by any alias), expired and out of scope', () => {
    const findings = [
      finding({ package: 'a', severity: 'critical' }),
      finding({ package: 'b', severity: 'moderate' }),
      finding({ package: 'c', ids: ['GHSA-1111-2222-3333', 'CVE-2021-1'], advisoryId: 'GHSA-1111-2222-3333' }),
      finding({ package: 'd', severity: 'low', advisoryId: 'GHSA-dddd-eeee-ffff', ids: ['GHSA-dddd-eeee-ffff'] }),
      finding({ package: 'e', dev: true, severity: 'critical' }),
      finding({ package: 'f', severity: 'unknown', severitySource: 'none' }),
    ];
    const j = judgeFindings(findings, { failOn: 'high', scope: 'runtime' }, new ExceptionLedger(entries, 'audit', now));
    expect(j.blocking.map((f) => f.package)).toEqual(['a', 'f']);
    expect(j.belowThreshold.map((f) => f.package)).toEqual(['b', 'd']);
    expect(j.suppressed.map((s) => [s.finding.package, s.entry.key])).toEqual([['c', 'CVE-2021-1']]);
    expect(j.expiredMatches.map((s) => s.entry.key)).toEqual(['GHSA-dddd-eeee-ffff']);
    expect(j.outOfScope.map((f) => f.package)).toEqual(['e']);
    expect(j.exceptions.unused.map((e) => e.key)).toEqual(['GHSA-zzzz-zzzz-zzzz']);
    const all = judgeFindings(findings, { failOn: 'critical', scope: 'all' }, new ExceptionLedger(entries, 'audit', now));
    expect(all.blocking.map((f) => f.package)).toEqual(['a', 'e', 'f']);
  });

  it('merges copies of one version: runtime if any copy is, with the shortest path', () => {
    const merged = mergeCopies([
      finding({ path: ['x', 'y', 'p'], dev: true, direct: false, location: 'node_modules/x/node_modules/p' }),
      finding({ path: ['z', 'p'], dev: false, direct: false, location: 'node_modules/p' }),
      finding({ version: '2.0.0' }),
    ]);
    expect(merged).toHaveLength(2);
    expect(merged.find((f) => f.version === '1.0.0')).toMatchObject({ path: ['z', 'p'], dev: false, location: 'node_modules/p' });
  });

  it('sorts merged findings most severe first, then package, version and advisory, in plain string order', () => {
    const input = [
      finding({ package: 'b', severity: 'low' }),
      finding({ package: 'a', severity: 'unknown', severitySource: 'none' }),
      finding({ package: 'Z', severity: 'high', version: '10.0.0' }),
      finding({ package: 'Z', severity: 'high', version: '9.0.0' }),
      finding({ package: 'ab', severity: 'high' }),
      finding({ package: 'a', severity: 'high', advisoryId: 'GHSA-2222-2222-2222' }),
      finding({ package: 'a', severity: 'high', advisoryId: 'GHSA-1111-1111-1111' }),
      finding({ package: 'c', severity: 'critical' }),
      finding({ package: 'd', severity: 'info' }),
      finding({ package: 'e', severity: 'moderate' }),
    ];
    expect(mergeCopies(input).map((f) => `${f.severity} ${f.package}@${f.version} ${f.advisoryId}`)).toEqual([
      'unknown a@1.0.0 GHSA-aaaa-bbbb-cccc',
      'critical c@1.0.0 GHSA-aaaa-bbbb-cccc',
      'high Z@10.0.0 GHSA-aaaa-bbbb-cccc',
      'high Z@9.0.0 GHSA-aaaa-bbbb-cccc',
      'high a@1.0.0 GHSA-1111-1111-1111',
      'high a@1.0.0 GHSA-2222-2222-2222',
      'high ab@1.0.0 GHSA-aaaa-bbbb-cccc',
      'moderate e@1.0.0 GHSA-aaaa-bbbb-cccc',
      'low b@1.0.0 GHSA-aaaa-bbbb-cccc',
      'info d@1.0.0 GHSA-aaaa-bbbb-cccc',
    ]);
    // the inputs are not modified, even the ones merged into
    const copies = [finding({ path: ['x', 'p'], dev: true }), finding({ path: ['p'], dev: false })];
    mergeCopies(copies);
    expect(copies[0]).toMatchObject({ path: ['x', 'p'], dev: true });
  });

  it('never logs registry credentials', () => {
    expect(redactUrlCredentials('--registry=https://bot:npm_s3cr3t@npm.example.com/')).toBe('--registry=https://***@npm.example.com/');
    expect(redactUrlCredentials('--registry=https://npm.example.com/')).toBe('--registry=https://npm.example.com/');
  });

  it('says where the severity came from in the message', () => {
    expect(findingMessage(finding({ severity: 'moderate', severitySource: 'cvss', cvssScore: 5.3, direct: false, path: ['a', 'p'], fixedIn: '1.0.1' }))).toBe(
      'p@1.0.0 (runtime, via a > p): t [GHSA-aaaa-bbbb-cccc; moderate (from CVSS 5.3; the advisory gives no severity)]; fixed in 1.0.1',
    );
    expect(findingMessage(finding({ severity: 'unknown', severitySource: 'none' }))).toContain(
      'severity unknown (no rating and no CVSS score): fail-on cannot apply; treated as blocking (unknown-severity: fail)',
    );
    expect(findingMessage(finding({ ecosystem: 'python', severity: 'unknown', severitySource: 'none' }), 'warn')).toContain(
      'severity unknown (pip-audit reports no severity and there is no CVSS score): fail-on cannot apply; reported, not blocking (unknown-severity: warn)',
    );
  });
});

/**
 * A stand-in for npm or pip-audit: a script that answers --version (and `config ls`, with
 * `configLs` as its output) and then behaves as told.
 */
function fakeTool(dir: string, name: string, body: string, configLs = ''): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    `#!${process.execPath}\nconst fs = require('node:fs');\nif (process.argv.includes('--version')) { console.log('9.9.9'); process.exit(0); }\n` +
      `if (process.argv[2] === 'config' && process.argv[3] === 'ls') { process.stdout.write(${JSON.stringify(configLs)}); process.exit(0); }\n${body}\n`,
  );
  chmodSync(path, 0o755);
  return path;
}

describe('running the tools: exit codes are interpreted, never trusted', () => {
  const setup = () => {
    const workspace = scratchDir('rs-audit-unit-');
    cpSync(join(FIXTURES, 'mixed'), join(workspace, 'app'), { recursive: true });
    const tools = join(workspace, '.tools');
    mkdirSync(tools);
    // The stand-ins are CommonJS scripts without an extension: pin that, whatever package.json
    // a parent directory (e.g. /tmp) may hold.
    writeFileSync(join(tools, 'package.json'), '{"type":"commonjs"}\n');
    const rt = { log: consoleLogger(true), tempDir: workspace, workspace };
    const options = (over: Partial<AuditOptions>): AuditOptions => ({
      ecosystem: 'auto',
      workingDirectory: join(workspace, 'app'),
      failOn: 'high',
      scope: 'runtime',
      exceptionsFile: join(workspace, '.github', 'release-safety-exceptions.yml'),
      exceptionsFileExplicit: false,
      registry: '',
      timeoutMs: 10_000,
      now: new Date('2026-06-01T00:00:00Z'),
      retryDelayMs: 10,
      ...over,
    });
    return { workspace, tools, rt, options };
  };

  it('exit 1 with a report is "vulnerabilities found"', async () => {
    const { tools, rt, options } = setup();
    writeFileSync(join(tools, 'report.json'), RECORDED);
    const npm = fakeTool(tools, 'npm', `process.stdout.write(fs.readFileSync(${JSON.stringify(join(tools, 'report.json'))}, 'utf8')); process.exit(1);`);
    const r = await runAuditGate(options({ npmCommand: npm }), rt);
    expect(r.status).toBe('fail');
    expect(r.metrics).toMatchObject({ critical: 1, high: 2, moderate: 2, outOfScope: 2, total: 5 });
    expect(r.tool).toMatchObject({ name: 'npm audit', version: '9.9.9' });
  });

  it.each([
    [
      'exit 1 with an empty report',
      `console.log(JSON.stringify({auditReportVersion:2,vulnerabilities:{},metadata:{vulnerabilities:{total:0}}})); console.error('npm error something broke'); process.exit(1);`,
      /exited with code 1 but its report lists no vulnerability: npm error something broke/,
    ],
    ['exit 2', `console.error('boom'); process.exit(2);`, /exited with code 2: boom/],
    ['a signal', `process.kill(process.pid, 'SIGKILL');`, /was killed by SIGKILL/],
    ['exit 0 with no output', `process.exit(0);`, /did not print JSON/],
    ['a hang', `setTimeout(() => {}, 60000);`, /timed out/],
  ])('%s is error', async (_name, body, message) => {
    const { tools, rt, options } = setup();
    const npm = fakeTool(tools, 'npm', body);
    const r = await runAuditGate(options({ npmCommand: npm, timeoutMs: 1500 }), rt);
    expect(r.status).toBe('error');
    expect(r.summary).toMatch(message);
    expect(r.summarySections.join('\n')).toContain('### Tool failure');
  });

  describe('which registry npm asks for advisories', () => {
    // What npm 11 prints for `npm config ls` (layers lowest first; npm hides the password as ***).
    const configLs = (project: string, more = '') =>
      [
        '; "global" config from /usr/etc/npmrc',
        '',
        'cafile = "/etc/ssl/certs/ca-certificates.crt"',
        '',
        '; "user" config from /home/runner/.npmrc',
        '',
        'fund = false',
        ...(more === 'user' ? ['registry = "https://npm.corp.example/"'] : []),
        '',
        `; "project" config from ${project}`,
        '',
        more === 'env' ? '; registry = "http://bot:***@evil.example/" ; overridden by env' : 'registry = "http://bot:***@evil.example/"',
        '',
        ...(more === 'env' ? ['; "env" config from environment', '', 'registry = "https://env.example/"', ''] : []),
        '; node bin location = /usr/bin/node',
        '; npm local prefix = /x',
        '',
      ].join('\n');

    it('reads every registry setting of `npm config ls`, overridden ones marked', () => {
      expect(registrySettings(configLs('/repo/app/.npmrc', 'env'))).toEqual([
        { layer: 'project', source: '/repo/app/.npmrc', value: 'http://bot:***@evil.example/', active: false },
        { layer: 'env', source: 'environment', value: 'https://env.example/', active: true },
      ]);
      expect(registrySettings('; "user" config from /u/.npmrc\n\n@acme:registry = "https://a.example/"\n')).toEqual([]);
    });

    it('a .npmrc in the repository that redirects the advisory query is named, recorded and warned about; credentials never shown', async () => {
      const { workspace, tools, rt, options } = setup();
      writeFileSync(join(workspace, 'app', '.npmrc'), '# mirror\nregistry=http://bot:s3cr3t@evil.example/\n');
      writeFileSync(join(tools, 'empty.json'), JSON.stringify({ auditReportVersion: 2, vulnerabilities: {}, metadata: { vulnerabilities: { total: 0 } } }));
      const npm = fakeTool(
        tools,
        'npm',
        `process.stdout.write(fs.readFileSync(${JSON.stringify(join(tools, 'empty.json'))}, 'utf8')); process.exit(0);`,
        configLs(join(workspace, 'app', '.npmrc')),
      );
      const r = await runAuditGate(options({ npmCommand: npm }), rt);
      // A warning, not a failure: see the README ("Which registry answers").
      expect(r.status).toBe('pass');
      expect(r.details.registry).toEqual({
        url: 'http://***@evil.example/',
        source: 'app/.npmrc',
        projectOverride: { file: 'app/.npmrc', line: 2, instead: 'https://registry.npmjs.org/' },
      });
      const warning = r.findings.find((f) => f.rule === 'npmrc-registry');
      expect(warning).toMatchObject({ severity: 'warning', file: 'app/.npmrc', line: 2 });
      expect(warning!.message).toContain(
        'app/.npmrc sets the npm registry to http://***@evil.example/ (npm would otherwise use https://registry.npmjs.org/) and input "registry" is empty',
      );
      expect(r.summary).toContain('advisories from http://***@evil.example/ (set by app/.npmrc, see warning)');
      expect(r.summarySections.join('\n')).toContain('### ⚠️ Registry set by <code>app/.npmrc</code>');
      expect(JSON.stringify(r)).not.toContain('s3cr3t');
      expect(JSON.stringify(r)).not.toContain('bot:');
    });

    it('a registry from outside the repository (runner config, environment) is recorded without a warning', async () => {
      const { workspace, tools, rt, options } = setup();
      writeFileSync(join(workspace, 'app', '.npmrc'), 'registry=http://bot:s3cr3t@evil.example/\n');
      writeFileSync(join(tools, 'report.json'), RECORDED);
      const body = `process.stdout.write(fs.readFileSync(${JSON.stringify(join(tools, 'report.json'))}, 'utf8')); process.exit(1);`;
      const viaEnv = await runAuditGate(options({ npmCommand: fakeTool(tools, 'npm', body, configLs(join(workspace, 'app', '.npmrc'), 'env')) }), rt);
      expect(viaEnv.details.registry).toEqual({ url: 'https://env.example/', source: 'environment (npm_config_registry)' });
      expect(viaEnv.findings.some((f) => f.rule === 'npmrc-registry')).toBe(false);
      const viaUser = await runAuditGate(options({ npmCommand: fakeTool(tools, 'npm', body, configLs('/elsewhere/.npmrc', 'user')) }), rt);
      expect(viaUser.details.registry).toEqual({ url: 'http://***@evil.example/', source: 'project config /elsewhere/.npmrc' });
      const none = await runAuditGate(options({ npmCommand: fakeTool(tools, 'npm', body, '; "user" config from /u/.npmrc\n\nfund = false\n') }), rt);
      expect(none.details.registry).toEqual({ url: 'https://registry.npmjs.org/', source: "npm's default" });
      expect(none.summary).toContain("advisories from https://registry.npmjs.org/ (npm's default)");
    });

    it('a repository .npmrc naming the registry npm would use anyway is recorded, not warned about', async () => {
      const { workspace, tools, rt, options } = setup();
      writeFileSync(join(workspace, 'app', '.npmrc'), 'registry=https://npm.corp.example\n');
      const text = configLs(join(workspace, 'app', '.npmrc'), 'user')
        .replace('registry = "http://bot:***@evil.example/"', 'registry = "https://npm.corp.example"')
        .replace('registry = "https://npm.corp.example/"', '; registry = "https://npm.corp.example/" ; overridden by project');
      writeFileSync(join(tools, 'report.json'), RECORDED);
      const r = await runAuditGate(
        options({
          npmCommand: fakeTool(
            tools,
            'npm',
            `process.stdout.write(fs.readFileSync(${JSON.stringify(join(tools, 'report.json'))}, 'utf8')); process.exit(1);`,
            text,
          ),
        }),
        rt,
      );
      expect(r.details.registry).toEqual({ url: 'https://npm.corp.example', source: 'app/.npmrc' });
      expect(r.findings.some((f) => f.rule === 'npmrc-registry')).toBe(false);
    });

    it('input "registry" is what npm uses (--registry beats every .npmrc); npm config is not asked', async () => {
      const { tools, rt, options } = setup();
      writeFileSync(join(tools, 'report.json'), RECORDED);
      const npm = fakeTool(
        tools,
        'npm',
        `if (process.argv.includes('--registry=https://bot:s3cr3t@mirror.example/') && process.argv.includes('--offline=false')) { process.stdout.write(fs.readFileSync(${JSON.stringify(join(tools, 'report.json'))}, 'utf8')); process.exit(1); } process.exit(9);`,
        'not asked',
      );
      const r = await runAuditGate(options({ npmCommand: npm, registry: 'https://bot:s3cr3t@mirror.example/' }), rt);
      expect(r.status).toBe('fail');
      expect(r.details.registry).toEqual({ url: 'https://***@mirror.example/', source: 'input "registry"' });
      expect(JSON.stringify(r)).not.toContain('s3cr3t');
    });

    it('npm config failing leaves the registry unknown, with a warning', async () => {
      const { tools, rt, options } = setup();
      const npm = join(tools, 'npm');
      writeFileSync(
        npm,
        `#!${process.execPath}\nif (process.argv.includes('--version')) { console.log('9.9.9'); process.exit(0); }\nif (process.argv[2] === 'config') { console.error('npm error bad npmrc'); process.exit(1); }\nconsole.log(JSON.stringify({auditReportVersion:2,vulnerabilities:{},metadata:{vulnerabilities:{total:0}}}));\n`,
      );
      chmodSync(npm, 0o755);
      const r = await runAuditGate(options({ npmCommand: npm }), rt);
      expect(r.details.registry).toMatchObject({ url: '', source: 'unknown', error: expect.stringContaining('npm error bad npmrc') });
      expect(r.findings.find((f) => f.rule === 'registry-unknown')?.severity).toBe('warning');
    });
  });

  it('a CVE exception cannot match npm findings (npm carries GHSA and npm ids only): one warning saying so, not "unused"', async () => {
    const { workspace, tools, rt, options } = setup();
    mkdirSync(join(workspace, '.github'));
    writeFileSync(
      join(workspace, '.github', 'release-safety-exceptions.yml'),
      'exceptions:\n  - id: CVE-2021-44906\n    reason: minimist is only used by the build\n    owner: a\n    expires: 2099-01-01\n  - id: GHSA-xvch-5gv4-984h\n    reason: same advisory, by its GHSA id\n    owner: b\n    expires: 2099-01-01\n',
    );
    writeFileSync(join(tools, 'report.json'), RECORDED);
    const npm = fakeTool(tools, 'npm', `process.stdout.write(fs.readFileSync(${JSON.stringify(join(tools, 'report.json'))}, 'utf8')); process.exit(1);`);
    const r = await runAuditGate(options({ npmCommand: npm }), rt);
    const cve = r.findings.filter((f) => f.rule === 'cve-exception-npm');
    expect(cve).toHaveLength(1);
    expect(cve[0]).toMatchObject({ severity: 'warning', file: '.github/release-safety-exceptions.yml', line: 2 });
    expect(cve[0]!.message).toContain('exception CVE-2021-44906 (owner a) cannot match an npm finding');
    expect(cve[0]!.message).toContain('https://github.com/advisories?query=CVE-2021-44906');
    expect(r.findings.filter((f) => f.rule === 'unused-exception')).toEqual([]);
    expect(r.metrics).toMatchObject({ suppressed: 1, unusedExceptions: 1 });
    expect(r.details.exceptions).toMatchObject({ unused: [expect.objectContaining({ id: 'CVE-2021-44906', cannotMatch: 'npm findings carry no CVE ids' })] });
    expect(r.summarySections.join('\n')).toMatch(/⚠️ CVE id: npm cannot match \| <code>CVE-2021-44906<\/code>/);
  });

  it('when npm fails, exceptions are not judged: none is reported unused', async () => {
    const { workspace, tools, rt, options } = setup();
    mkdirSync(join(workspace, '.github'));
    writeFileSync(
      join(workspace, '.github', 'release-safety-exceptions.yml'),
      'exceptions:\n  - id: GHSA-35jh-r3h4-6jhm\n    reason: not reachable\n    owner: a\n    expires: 2099-01-01\n  - id: GHSA-xvch-5gv4-984h\n    reason: test only\n    owner: b\n    expires: 2099-01-01\n',
    );
    const npm = fakeTool(tools, 'npm', `console.error('npm error network down'); process.exit(2);`);
    const r = await runAuditGate(options({ npmCommand: npm }), rt);
    expect(r.status).toBe('error');
    expect(r.findings.filter((f) => f.rule === 'unused-exception')).toEqual([]);
    expect(r.metrics.unusedExceptions).toBe(0);
    expect(r.details.exceptions).toMatchObject({ evaluated: false, entries: 2, applied: [], expired: [], unused: [] });
    const text = r.summarySections.join('\n');
    expect(text).not.toMatch(/unused/);
    expect(text).toContain('2 exception(s) in <code>.github/release-safety-exceptions.yml</code> were not evaluated');
  });

  it('a 5xx from the advisory service is tried once more; a second success is used', async () => {
    const { tools, rt, options } = setup();
    writeFileSync(join(tools, 'report.json'), RECORDED);
    const counter = join(tools, 'count');
    const npm = fakeTool(
      tools,
      'npm',
      `const n = fs.existsSync(${JSON.stringify(counter)}) ? Number(fs.readFileSync(${JSON.stringify(counter)}, 'utf8')) : 0;
fs.writeFileSync(${JSON.stringify(counter)}, String(n + 1));
if (n === 0) { console.log(JSON.stringify({message: '503 Service Unavailable - POST http://r/-/npm/v1/security/advisories/bulk', statusCode: 503, error: {summary: '', detail: ''}})); process.exit(1); }
process.stdout.write(fs.readFileSync(${JSON.stringify(join(tools, 'report.json'))}, 'utf8')); process.exit(1);`,
    );
    const r = await runAuditGate(options({ npmCommand: npm }), rt);
    expect(readFileSync(counter, 'utf8')).toBe('2');
    expect(r.status).toBe('fail');
  });

  it('a missing npm is error with a hint, not a crash', async () => {
    const { tools, rt, options } = setup();
    const r = await runAuditGate(options({ npmCommand: join(tools, 'no-such-npm') }), rt);
    expect(r.status).toBe('error');
    expect(r.summary).toContain('actions/setup-node');
  });

  it('pip-audit findings have no severity: they fail even at fail-on: critical, the summary says fail-on cannot apply and how to decide, and skipped packages warn', async () => {
    const { workspace, tools, rt, options } = setup();
    mkdirSync(join(workspace, 'py'));
    writeFileSync(join(workspace, 'py', 'requirements.txt'), 'flask==0.12.2\njinja2==2.11.2\n');
    const pip = fakeTool(
      tools,
      'pip-audit',
      `if (!process.argv.includes('-r')) process.exit(3); process.stdout.write(fs.readFileSync(${JSON.stringify(join(FIXTURES, 'pip-audit.json'))}, 'utf8')); process.exit(1);`,
    );
    const r = await runAuditGate(options({ workingDirectory: join(workspace, 'py'), failOn: 'critical', pipAuditCommand: pip }), rt);
    expect(r.status).toBe('fail');
    expect(r.metrics).toMatchObject({ unknown: 3, blocking: 3, dependencies: 7 });
    expect(r.summary).toContain('pip-audit: 3 without a severity, which fail-on cannot judge (unknown-severity: fail)');
    expect(r.summary).not.toContain('at or above critical');
    const section = r.summarySections.find((x) => x.startsWith('### 3 finding(s) without a severity'))!;
    expect(section).toContain('pip-audit reports no severity, and none of these came with a CVSS score, so `fail-on: critical` has nothing to compare');
    expect(section).toContain('With `unknown-severity: fail` (the default) each one fails the gate at every `fail-on` level');
    expect(section).toContain('accept it with an exception on any of its ids');
    // the ids pip-audit gives (PYSEC and its GHSA/CVE aliases) are listed: what an exception names
    expect(section).toContain(
      '| <code>flask&#64;0.12.2</code> | <code>PYSEC-2018-66</code> <code>CVE-2018-1000656</code> <code>GHSA-562c-5r94-xh97</code> | <code>0.12.3</code> |',
    );
    expect(r.details.unknownSeverity).toBe('fail');
    expect(r.findings.find((f) => f.rule === 'not-audited')).toMatchObject({ severity: 'warning', file: 'py/requirements.txt' });
    expect(r.tool).toMatchObject({ name: 'pip-audit', version: '9.9.9' });
  });

  it('unknown-severity: warn reports pip-audit findings as warnings without failing; a CVE alias exception still suppresses', async () => {
    const { workspace, tools, rt, options } = setup();
    mkdirSync(join(workspace, 'py'));
    mkdirSync(join(workspace, '.github'));
    writeFileSync(join(workspace, 'py', 'requirements.txt'), 'flask==0.12.2\njinja2==2.11.2\n');
    writeFileSync(
      join(workspace, '.github', 'release-safety-exceptions.yml'),
      'exceptions:\n  - id: CVE-2020-28493\n    reason: jinja2 urlize is not used\n    owner: a\n    expires: 2099-01-01\n',
    );
    const pip = fakeTool(
      tools,
      'pip-audit',
      `process.stdout.write(fs.readFileSync(${JSON.stringify(join(FIXTURES, 'pip-audit.json'))}, 'utf8')); process.exit(1);`,
    );
    const r = await runAuditGate(options({ workingDirectory: join(workspace, 'py'), failOn: 'low', unknownSeverity: 'warn', pipAuditCommand: pip }), rt);
    expect(r.status).toBe('pass');
    expect(r.metrics).toMatchObject({ unknown: 2, blocking: 0, suppressed: 1 });
    const flagged = r.findings.filter((f) => f.rule?.startsWith('GHSA-'));
    expect(flagged.map((f) => f.severity)).toEqual(['warning', 'warning']);
    expect(flagged[0]!.message).toContain('reported, not blocking (unknown-severity: warn)');
    expect(r.summarySections.join('\n')).toContain('With `unknown-severity: warn` they are reported as warnings and do not fail the gate');
    expect(r.findings.some((f) => f.rule === 'cve-exception-npm')).toBe(false);
  });

  it('refuses to guess between ecosystems, and reads the exceptions file before running anything', async () => {
    const { workspace, tools, rt, options } = setup();
    writeFileSync(join(workspace, 'app', 'requirements.txt'), 'flask\n');
    await expect(runAuditGate(options({}), rt)).rejects.toThrow(/has both an npm lockfile and a Python manifest: set ecosystem/);
    mkdirSync(join(workspace, '.github'));
    writeFileSync(join(workspace, '.github', 'release-safety-exceptions.yml'), 'exceptions: [1\n');
    const npm = fakeTool(tools, 'npm', `require('node:fs').writeFileSync(${JSON.stringify(join(tools, 'ran'))}, ''); process.exit(0);`);
    await expect(runAuditGate(options({ ecosystem: 'npm', npmCommand: npm }), rt)).rejects.toThrow(ConfigurationError);
    expect(existsSync(join(tools, 'ran'))).toBe(false);
  });
});
