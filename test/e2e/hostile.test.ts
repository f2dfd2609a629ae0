/**
 * Every shipped gate bundle on hostile input: file names, tool output, advisory titles, rule
 * annotations and pull-request text that hold workflow commands in both forms the runner
 * executes (`::cmd::` at the start of a line, the legacy `##[cmd]` anywhere in one). The
 * output is parsed the way the runner parses it (src/local/harness.ts: both forms, stdout and
 * stderr, stop-commands honoured); no command may appear that the suite did not mean to issue.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachAttestation } from '../../src/attest/attach.js';
import { createBundle } from '../../src/core/bundle.js';
import { GATES } from '../../src/core/evidence.js';
import { startAdvisoryServer, type AdvisoryServer } from '../../src/local/advisory-server.js';
import { honouredStopTokens, REPO_ROOT, runAction, type ActionRun, type RunOptions, type WorkflowCommand } from '../../src/local/harness.js';
import { startRegistry } from '../../src/local/registry.js';
import { RegistryClient } from '../../src/registry/client.js';
import { sampleEvidence } from '../fixtures/evidence.js';
import { pullRequestEvent } from './events.js';
import { initRepo, removeTempRepos } from './git-fixtures.js';
import { pushLabelImage } from './promote-action-fixtures.js';
import { makeKeyPair, record as attestedRecord } from './promote-fixtures.js';

/** Lines a hostile tool, file or pull request carries; "FORGED" marks what must never become a command. */
const HOSTILE_LINES = [
  '##[add-mask]FORGED-mask',
  'see ##[error title=FORGED]FORGED-legacy-error',
  '::set-output name=status::pass',
  '::warning title=FORGED::FORGED-v2-warning',
  '   ::add-mask::FORGED-indented',
  '##[set-output name=status;]pass',
  '::stop-commands::FORGED-token',
  '::error title=FORGED::FORGED-after-stop',
];
const HOSTILE_TEXT = HOSTILE_LINES.join('\n');
/** File names a pull request can add (no slash, no NUL: everything else is allowed). */
const HOSTILE_FILE_NAMES = ['##[add-mask]ok', '##[error title=FORGED]x', '::set-output name=status::pass', 'a ##[warning]FORGED'];
const HOSTILE_PR = pullRequestEvent({ number: 9, title: '##[add-mask]FORGED ::error::FORGED', headRef: '##[error]FORGED', body: HOSTILE_TEXT });

/** What the suite itself issues; anything else in the output came from hostile text. */
const SUITE_COMMANDS = new Set(['group', 'endgroup', 'error', 'warning', 'notice', 'debug']);

/**
 * Commands the suite did not mean to issue. A forged `stop-commands` counts too: the runner would
 * stop processing at it, so the commands after it (forged or the suite's own) are hidden.
 */
function unintendedCommands(run: ActionRun): WorkflowCommand[] {
  const forgedStops = [run.stdout, run.stderr]
    .flatMap((text) => honouredStopTokens(text))
    .filter((token) => token.includes('FORGED'))
    .map((token): WorkflowCommand => ({ command: 'stop-commands', properties: {}, message: token, form: 'v2', stream: 'stdout' }));
  return [
    ...forgedStops,
    ...run.commands.filter(
      (c) =>
        c.form === 'legacy' ||
        !SUITE_COMMANDS.has(c.command) ||
        (c.properties.title ?? '').includes('FORGED') ||
        // a warning or error whose whole message is forged text started its own line
        /^FORGED/.test(c.message),
    ),
  ];
}

const homes = new Set<string>();
const scratch = new Set<string>();
function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.add(dir);
  return dir;
}
async function run(name: string, options: RunOptions): Promise<ActionRun> {
  const result = await runAction(name, { eventName: 'pull_request', event: HOSTILE_PR, ...options });
  homes.add(dirname(result.runnerTemp));
  return result;
}
function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}
/** A node script that prints every hostile line to stdout and stderr, then does `then`. */
function hostileScript(then: string): string {
  return `const fs = require('node:fs');\nconst text = ${JSON.stringify(HOSTILE_TEXT)};\nconsole.log(text);\nconsole.error(text);\n${then}\n`;
}

function expectNoUnintended(result: ActionRun): void {
  expect(unintendedCommands(result), `stdout:\n${result.stdout.slice(-4000)}`).toEqual([]);
  expect(result.masks).toEqual([]);
  expect(result.outputs.status).toMatch(/^(pass|fail|error)$/);
}

describe('every bundle on hostile input issues only the commands it means to', () => {
  let advisories: AdvisoryServer;
  beforeAll(async () => {
    advisories = await startAdvisoryServer({
      advisories: {
        lodash: [
          {
            id: 1,
            url: 'https://github.com/advisories/GHSA-FORGED',
            title: HOSTILE_TEXT,
            severity: 'low',
            vulnerable_versions: '<99.0.0',
            cwe: [],
            cvss: { score: 0, vectorString: null },
          },
        ],
      },
    });
  });
  afterAll(async () => {
    await advisories?.close();
    removeTempRepos();
    for (const dir of [...homes, ...scratch]) rmSync(dir, { recursive: true, force: true });
  });

  it('the bundles covered here are every gate bundle in dist/', () => {
    // dist/demo and dist/cli are programs, not actions: every other bundle is run below.
    const actions = readdirSync(join(REPO_ROOT, 'dist')).filter((d) => d !== 'demo' && d !== 'cli');
    expect(actions.sort()).toEqual(['alerts', 'audit', 'evidence', 'image', 'lint', 'pipeline', 'promote', 'rules', 'secrets', 'test']);
  });

  it('test: JUnit reports named with both command forms, hostile test names and tool output', async () => {
    const ws = scratchDir('rs-hostile-test-');
    const junit = (name: string) =>
      `<?xml version="1.0"?><testsuites><testsuite name="${name}" tests="1" failures="0"><testcase classname="${name}" name="${name}"/></testsuite></testsuites>`;
    const writes = HOSTILE_FILE_NAMES.map(
      (n) =>
        `fs.mkdirSync('reports/junit', { recursive: true }); fs.writeFileSync(${JSON.stringify(`reports/junit/${n}.xml`)}, ${JSON.stringify(junit('::add-mask::FORGED &amp; ##[error]FORGED'))});`,
    );
    write(join(ws, 't.js'), hostileScript(writes.join('\n')));
    const result = await run('test', { workspace: ws, inputs: { preset: 'command', command: 'node t.js', junit: 'reports/junit/*.xml' } });
    expect(result.outputs.status, result.stdout.slice(-3000)).toBe('pass');
    expect(result.outputs.passed).toBe(String(HOSTILE_FILE_NAMES.length));
    expectNoUnintended(result);
  });

  it('test: one JUnit report, whose name the verdict line carries, named with the legacy form', async () => {
    const ws = scratchDir('rs-hostile-test-one-');
    const report = '<?xml version="1.0"?><testsuite name="s" tests="1" failures="0"><testcase classname="c" name="n"/></testsuite>';
    write(
      join(ws, 't.js'),
      hostileScript(`fs.mkdirSync('reports/junit', { recursive: true }); fs.writeFileSync('reports/junit/##[add-mask]ok.xml', ${JSON.stringify(report)});`),
    );
    const result = await run('test', { workspace: ws, inputs: { preset: 'command', command: 'node t.js', junit: 'reports/junit/*.xml' } });
    expect(result.outputs.status, result.stdout.slice(-3000)).toBe('pass');
    expect(result.stdout).toContain('reports/junit/');
    expectNoUnintended(result);
  });

  it('lint: an eslint report about hostile file names, hostile messages and tool output', async () => {
    const ws = scratchDir('rs-hostile-lint-');
    const report = HOSTILE_FILE_NAMES.map((n) => ({
      filePath: join(ws, `${n}.js`),
      messages: [{ ruleId: 'no-unused-vars', severity: 1, message: HOSTILE_TEXT, line: 1, column: 1 }],
      errorCount: 0,
      warningCount: 1,
    }));
    for (const n of HOSTILE_FILE_NAMES) write(join(ws, `${n}.js`), 'export {};\n');
    write(join(ws, 'lint.js'), hostileScript(`fs.writeFileSync('report.json', ${JSON.stringify(JSON.stringify(report))});`));
    const result = await run('lint', {
      workspace: ws,
      inputs: { preset: 'command', command: 'node lint.js', report: 'report.json', 'report-format': 'eslint-json' },
    });
    expect(result.outputs.status, result.stdout.slice(-3000)).toBe('pass');
    expectNoUnintended(result);
  });

  it('audit: an advisory whose title holds both command forms', async () => {
    const ws = scratchDir('rs-hostile-audit-');
    const { cpSync } = await import('node:fs');
    cpSync(join(REPO_ROOT, 'test', 'fixtures', 'audit', 'lodash-only'), join(ws, 'app'), { recursive: true });
    const result = await run('audit', { workspace: ws, inputs: { 'working-directory': 'app', registry: advisories.url, 'fail-on': 'critical' } });
    expect(result.outputs.status, result.stdout.slice(-3000)).toBe('pass');
    expectNoUnintended(result);
  });

  it('secrets: a pull request adding files named with both command forms', async () => {
    const repo = initRepo('rs-hostile-secrets-');
    const base = repo.head();
    const files = Object.fromEntries(HOSTILE_FILE_NAMES.map((n) => [`${n}.txt`, `${HOSTILE_TEXT}\n`]));
    const head = repo.commit(HOSTILE_TEXT, files);
    const event = pullRequestEvent({
      number: 9,
      headSha: head,
      baseSha: base,
      title: HOSTILE_PR.pull_request.title,
      headRef: HOSTILE_PR.pull_request.head.ref,
    });
    const result = await run('secrets', {
      workspace: repo.dir,
      event,
      sha: head,
      inputs: { 'gitleaks-path': join(REPO_ROOT, 'node_modules', '.bin', 'gitleaks') },
    });
    expect(result.outputs.status, result.stdout.slice(-3000)).toBe('pass');
    expectNoUnintended(result);
  });

  it('rules: rule files in a hostile directory with hostile annotations', async () => {
    const ws = scratchDir('rs-hostile-rules-');
    const dir = join(ws, 'prom', '##[add-mask]FORGED ::error::FORGED');
    const summary = JSON.stringify(HOSTILE_TEXT);
    write(
      join(dir, 'a.yml'),
      `groups:\n  - name: g\n    rules:\n      - alert: HighErrors\n        expr: rate(errors_total[5m]) > 1\n        for: 5m\n        labels: { severity: page }\n        annotations:\n          summary: ${summary}\n          runbook_url: https://example.com/runbook\n`,
    );
    const result = await run('rules', { workspace: ws, inputs: { 'promtool-path': '/usr/bin/promtool', rules: 'prom/**/*.yml', coverage: 'off' } });
    expect(result.outputs.status, result.stdout.slice(-3000)).toMatch(/^(pass|fail)$/);
    expectNoUnintended(result);
  });

  it('image: a Dockerfile path and image name holding both command forms', async () => {
    const ws = scratchDir('rs-hostile-image-');
    const result = await run('image', {
      workspace: ws,
      inputs: { image: '127.0.0.1:1/acme/x', file: '##[add-mask]FORGED/::set-output name=status::pass', push: 'false' },
    });
    expect(result.outputs.status).toBe('error');
    expectNoUnintended(result);
  });

  it('alerts: a service command that prints both command forms and never becomes ready', async () => {
    const ws = scratchDir('rs-hostile-alerts-');
    write(
      join(ws, 'prom', 'a.yml'),
      `groups:\n  - name: g\n    rules:\n      - alert: HighErrors\n        expr: rate(errors_total[5m]) > 1\n        annotations:\n          summary: ${JSON.stringify(HOSTILE_TEXT)}\n`,
    );
    write(join(ws, 'svc.js'), hostileScript('process.exit(3);'));
    const result = await run('alerts', {
      workspace: ws,
      inputs: { rules: 'prom/*.yml', 'service-command': `node svc.js`, 'ready-timeout-seconds': '3', 'prometheus-path': '/usr/bin/prometheus' },
    });
    expect(result.outputs.status, result.stdout.slice(-3000)).toBe('error');
    expectNoUnintended(result);
  });

  it('evidence: a record whose summary and findings hold both command forms, on a hostile pull request', async () => {
    const ws = scratchDir('rs-hostile-evidence-');
    const record = sampleEvidence({
      gate: 'lint',
      status: 'fail',
      summary: HOSTILE_LINES.join(' '),
      findings: [{ severity: 'error', message: HOSTILE_TEXT, file: HOSTILE_FILE_NAMES[0], line: 1 }],
      findingsTotal: 1,
    });
    record.subject = { ...record.subject, repository: 'acme/service', commitSha: HOSTILE_PR.pull_request.head.sha };
    write(join(ws, 'evidence', 'lint.json'), JSON.stringify(record));
    const result = await run('evidence', {
      workspace: ws,
      inputs: { 'evidence-dir': join(ws, 'evidence'), 'required-gates': 'lint', comment: 'never', 'github-token': '' },
    });
    expect(result.outputs.verdict).toBe('fail');
    expect(unintendedCommands(result), result.stdout.slice(-3000)).toEqual([]);
    expect(result.masks).toEqual([]);
  });

  it('promote: an attested record summary and a dispatch sender holding both command forms, and a hostile input', async () => {
    const registry = await startRegistry();
    try {
      const client = new RegistryClient({ registry: registry.host });
      const keys = makeKeyPair();
      const rev = HOSTILE_PR.pull_request.head.sha;
      const digest = await pushLabelImage(client, 'hostile', 'ci', rev);
      const manifest = await client.getManifest('hostile', 'ci');
      const records = GATES.map((g) => ({
        ...attestedRecord(g, rev, { digest }),
        ...(g === 'test' ? { status: 'fail' as const } : {}),
        summary: HOSTILE_LINES.join(' '),
      }));
      const bundle = createBundle(records, {
        repository: 'acme/service',
        commitSha: rev,
        digest,
        verdict: 'fail',
        requiredGates: [...GATES],
        reasons: [HOSTILE_LINES.join(' ')],
      });
      await attachAttestation({
        client,
        repository: 'hostile',
        subject: { mediaType: manifest.mediaType, digest, size: manifest.bytes.length },
        bundle,
        signingKey: keys.privateKey,
      });
      const ws = scratchDir('rs-hostile-promote-');
      const event = { inputs: { from: HOSTILE_TEXT }, sender: { login: '##[add-mask]FORGED', id: 1 } };
      const refused = await run('promote', {
        workspace: ws,
        eventName: 'workflow_dispatch',
        event,
        inputs: { image: `${registry.host}/hostile`, 'public-key': keys.publicPem },
      });
      expect(refused.exitCode).toBe(1);
      expect(refused.stdout).toContain('test is fail');
      expect(unintendedCommands(refused), refused.stdout.slice(-3000)).toEqual([]);
      expect(refused.masks).toEqual([]);
      const bad = await run('promote', {
        workspace: ws,
        eventName: 'workflow_dispatch',
        event,
        inputs: { image: `${registry.host}/hostile`, to: HOSTILE_LINES.join(',') },
      });
      expect(bad.exitCode).toBe(1);
      expect(unintendedCommands(bad), bad.stdout.slice(-3000)).toEqual([]);
      expect(bad.masks).toEqual([]);
    } finally {
      await registry.stop();
    }
  });

  it('pipeline: a config whose keys and values hold both command forms', async () => {
    const ws = scratchDir('rs-hostile-pipeline-');
    write(join(ws, '.github', 'release-safety.yml'), `version: 1\ngates:\n  lint:\n    with: { "##[add-mask]FORGED": "::set-output name=status::pass" }\n`);
    const result = await run('pipeline', { workspace: ws, inputs: {} });
    expect(result.outputs.verdict).toBe('error');
    expect(unintendedCommands(result), result.stdout.slice(-3000)).toEqual([]);
    expect(result.masks).toEqual([]);
  });
});
