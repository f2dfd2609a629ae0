import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { marked } from 'marked';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBundle } from '../../src/core/bundle.js';
import { evidenceSchema, type Evidence } from '../../src/core/evidence.js';
import { md } from '../../src/core/markdown.js';
import { startGitHubApi, type GitHubApi } from '../../src/local/github-api.js';
import { randomSha, runAction, type ActionRun } from '../../src/local/harness.js';
import { pullRequestEvent } from './events.js';
import { scratchSampleService } from './workspace.js';

const REPO = 'acme/service';
const headSha = randomSha();
const mergeSha = randomSha();
const DIGEST = `sha256:${'d'.repeat(64)}`;
const created: string[] = [];
let workspace: string;
let api: GitHubApi;
let real: { lint: Evidence; test: Evidence; rules: Evidence };

/** Runs a bundle and removes the runner's scratch home afterwards (outputs are read first). */
async function run(name: string, options: Parameters<typeof runAction>[1]): Promise<ActionRun & { bundle?: string }> {
  const r = await runAction(name, options);
  const bundle = r.outputs['bundle-path'] ? readFileSync(r.outputs['bundle-path'], 'utf8') : undefined;
  rmSync(dirname(r.runnerTemp), { recursive: true, force: true });
  return { ...r, bundle };
}

function imageRecord(): Evidence {
  return evidenceSchema.parse({
    ...real.lint,
    gate: 'image',
    summary: `pushed 127.0.0.1:5000/acme/service@${DIGEST}`,
    tool: { name: 'buildah', version: '1.39.3' },
    metrics: { sizeBytes: 1234 },
    findings: [],
    findingsTotal: 0,
    details: { digest: DIGEST, ref: `127.0.0.1:5000/acme/service@${DIGEST}` },
  });
}

/** An alerts-gate record in the shape that gate writes (the drill itself is tested with that gate). */
function alertsRecord(): Evidence {
  return evidenceSchema.parse({
    ...real.lint,
    gate: 'alerts',
    summary: '2 alerts drilled: 2 as expected',
    tool: { name: 'prometheus', version: '2.42.0' },
    metrics: { alerts: 2 },
    findings: [],
    findingsTotal: 0,
    details: {
      digest: DIGEST,
      prometheusVersion: '2.42.0',
      ruleFiles: [{ path: 'sample-service/prometheus/rules/alerts.yml', sha256: 'e'.repeat(64) }],
      contract: { selectorsChecked: 4, metricsExposed: 9, findings: 0 },
      runbooks: { total: 4, complete: 4, percent: 100 },
      alerts: [
        { alert: 'AppHigh5xxErrorRate', scenario: 'sustained 5xx', expected: 'fire', outcome: 'fired', pendingAfterMs: 15_000, firingAfterMs: 62_000 },
        { alert: 'AppHigh5xxErrorRate', scenario: '30-second spike', expected: 'silent', outcome: 'silent' },
      ],
      timeline: 'gantt\n  dateFormat x\n  section AppHigh5xxErrorRate\n  pending :p1, 0, 15000\n  firing :f1, 15000, 62000\n  <script>alert(1)</script>',
    },
  });
}

/** A folder of records as a gates workflow's artifacts would leave it: one sub-folder per job. */
function evidenceDir(name: string, records: Record<string, unknown>): string {
  const dir = join(workspace, 'evidence', name);
  for (const [file, record] of Object.entries(records)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), typeof record === 'string' ? record : JSON.stringify(record, null, 2));
  }
  return dir;
}

function evidence(opts: {
  dir: string;
  pr: number;
  runId?: number;
  attempt?: number;
  token?: string;
  title?: string;
  headRef?: string;
  inputs?: Record<string, string>;
  fork?: boolean;
}) {
  const event = pullRequestEvent({
    headSha,
    number: opts.pr,
    title: opts.title,
    headRef: opts.headRef,
    ...(opts.fork ? { headRepository: 'someone/service' } : {}),
  });
  return run('evidence', {
    workspace,
    eventName: 'pull_request',
    event,
    sha: mergeSha,
    inputs: { 'evidence-dir': opts.dir, 'required-gates': 'lint,test,image', 'github-token': opts.token ?? 'ghs_write', ...opts.inputs },
    env: { GITHUB_API_URL: api.url, GITHUB_RUN_ID: String(opts.runId ?? 5000), GITHUB_RUN_ATTEMPT: String(opts.attempt ?? 1) },
  });
}

const commentsOn = (pr: number) => api.state.comments.filter((c) => c.issueNumber === pr);
const ours = (pr: number) => commentsOn(pr).filter((c) => c.login === 'github-actions[bot]');
const posts = (pr: number) => api.requests.filter((r) => r.operation === 'issues/create-comment' && r.path.endsWith(`/issues/${pr}/comments`));

/** Valid markdown after any cut: every <details> closed, every fence closed, no raw HTML from the records. */
function expectWellFormed(body: string): void {
  expect(body.split('<details>').length).toBe(body.split('</details>').length);
  expect(body.split('\n').filter((l) => /^\s*(```|~~~)/.test(l)).length % 2).toBe(0);
  const html = marked.parse(body, { gfm: true, async: false });
  expect(html).not.toMatch(/<(img|script|iframe)\b/i);
  expect(html.split('<details>').length).toBe(html.split('</details>').length);
}

beforeAll(async () => {
  api = await startGitHubApi();
  const ws = scratchSampleService();
  workspace = ws.workspace;
  created.push(workspace);
  // Real records, from the lint and test bundles run on the sample service as the runner runs them.
  const gateDir = join(workspace, 'gate-records');
  const event = pullRequestEvent({ headSha, number: 12 });
  const rulesInputs = {
    'promtool-path': '/usr/bin/promtool',
    rules: 'sample-service/prometheus/rules/*.yml',
    tests: 'sample-service/prometheus/tests/*.yml',
    'evidence-dir': gateDir,
  };
  const [lint, test, rules] = await Promise.all([
    ...['lint', 'test'].map((gate) =>
      run(gate, { workspace, eventName: 'pull_request', event, sha: mergeSha, inputs: { 'working-directory': 'sample-service', 'evidence-dir': gateDir } }),
    ),
    run('rules', { workspace, eventName: 'pull_request', event, sha: mergeSha, inputs: rulesInputs }),
  ]);
  expect(rules!.outputs.status, rules!.stdout.slice(-2000)).toBe('pass');
  expect(lint!.outputs.status, lint!.stdout.slice(-2000)).toBe('pass');
  expect(test!.outputs.status, test!.stdout.slice(-2000)).toBe('pass');
  real = {
    lint: evidenceSchema.parse(JSON.parse(readFileSync(join(gateDir, 'lint.json'), 'utf8'))),
    test: evidenceSchema.parse(JSON.parse(readFileSync(join(gateDir, 'test.json'), 'utf8'))),
    rules: evidenceSchema.parse(JSON.parse(readFileSync(join(gateDir, 'rules.json'), 'utf8'))),
  };
}, 300_000);

afterAll(async () => {
  await api?.stop();
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

describe('the evidence action on records from the real lint and test bundles', () => {
  it('creates one comment, then a re-run updates it in place; found on page 2, a person quoting the marker left alone', async () => {
    const dir = evidenceDir('sticky', {
      'lint/lint.json': real.lint,
      'test/test.json': real.test,
      'image/image.json': imageRecord(),
      'rules/rules.json': real.rules,
      'alerts/alerts.json': alertsRecord(),
    });
    for (let i = 0; i < 104; i++) api.seedComment(REPO, 21, 'alice', `review note ${i}`);
    const quoted = '<!-- release-safety:evidence run=9999999 attempt=9 sha=' + headSha + ' -->\nI quote the bot';
    const personId = api.seedComment(REPO, 21, 'alice', quoted);

    const first = await evidence({ dir, pr: 21, runId: 5000 });
    expect(first.exitCode, first.stdout).toBe(0);
    expect(first.outputs.verdict).toBe('pass');
    expect(posts(21)).toHaveLength(1);
    expect(ours(21)).toHaveLength(1);
    expect(first.outputs['comment-url']).toMatch(/#issuecomment-\d+$/);
    const bundle = parseBundle(first.bundle!, 'bundle');
    expect(bundle).toMatchObject({ verdict: 'pass', commitSha: headSha, digest: DIGEST, run: { id: '5000' } });
    expect(bundle.records.map((r) => r.record.gate)).toEqual(['lint', 'test', 'image', 'rules', 'alerts']);
    expect(first.outputs['bundle-sha256']).toBe(bundle.sha256);
    const body = ours(21)[0]!.body;
    expect(body).toContain(`127.0.0.1&#58;5000/acme/service&#64;${DIGEST.replace(':', '&#58;')}`);
    expect(body).toContain(bundle.sha256.replace(':', '&#58;'));
    expect(body).toContain('https://github.com/acme/service/actions/runs/5000');
    // The gates table: status, the verdict line, key figures, duration and the link to the gate's job.
    const lintRow = body.split('\n').find((l) => l.startsWith('| ✅ | <code>lint</code> |'));
    expect(lintRow, body).toBeDefined();
    const cells = lintRow!.split(' | ');
    expect(cells[2]).toBe(`pass: ${md(real.lint.summary)}`);
    expect(cells[3]).toMatch(/\d/);
    expect(cells[4]).toMatch(/^\d+\.\d s$/);
    expect(cells[5]).toBe(`[job](${real.lint.subject.runUrl}) |`);
    // The alert evidence: from the real rules record, each alert with its firing and silent rule tests; the drill's time to fire.
    const alerts = real.rules.details.alerts as { name: string; fires: { test: string }[]; silent: { test: string }[] }[];
    expect(alerts.length).toBeGreaterThan(0);
    expect(body).toContain('### Alert evidence');
    for (const a of alerts) {
      const row = body.split('\n').find((l) => l.startsWith(`| <code>${a.name}</code> |`));
      expect(row, `${a.name} has a row`).toBeDefined();
      // The rule test that shows it firing, and the one that shows it silent (or that there is none).
      expect(a.fires.length).toBeGreaterThan(0);
      expect(row).toContain(`✅ <code>${md(a.fires[0]!.test)}</code>`);
      expect(row).toContain(a.silent.length > 0 ? `✅ <code>${md(a.silent[0]!.test)}</code>` : '❌ none');
    }
    expect(alerts.some((a) => a.silent.length > 0)).toBe(true);
    expect(body).toContain('sustained 5xx: fired in 62.0 s');
    expect(body).toContain('30-second spike: silent');
    expect(first.summary).toContain('```mermaid');
    expect(first.summary).not.toContain('<script>');

    const again = await evidence({ dir, pr: 21, runId: 5000, attempt: 2 });
    expect(again.exitCode, again.stdout).toBe(0);
    expect(posts(21)).toHaveLength(1);
    const patch = api.requests.filter((r) => r.operation === 'issues/update-comment');
    expect(patch.length).toBeGreaterThanOrEqual(1);
    expect(ours(21)).toHaveLength(1);
    expect(ours(21)[0]!.body).toMatch(/^<!-- release-safety:evidence run=5000 attempt=2 /);
    // Page 2 was read: the listing followed the Link header.
    expect(api.requests.some((r) => r.operation === 'issues/list-comments' && r.path.endsWith('/issues/21/comments') && r.query.page === '2')).toBe(true);
    expect(api.state.comments.find((c) => c.id === personId)!.body).toBe(quoted);
    expect(commentsOn(21)).toHaveLength(106);
    expect(api.violations).toEqual([]);
  });

  it('the commit status is on the PR head SHA (not the merge SHA), with the digest and the run', async () => {
    const statuses = api.state.statuses.filter((s) => s.context === 'release-safety');
    expect(statuses.length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s.sha === headSha)).toBe(true);
    expect(api.state.statuses.some((s) => s.sha === mergeSha)).toBe(false);
    const last = statuses.at(-1)!;
    expect(last.state).toBe('success');
    expect(last.description).toContain(DIGEST);
    expect([...last.description!].length).toBeLessThanOrEqual(140);
    expect(last.targetUrl).toBe('https://github.com/acme/service/actions/runs/5000');
  });

  it('an older run finishing after a newer one leaves the newer comment', async () => {
    const dir = evidenceDir('order', { 'lint.json': real.lint, 'test.json': real.test, 'image.json': imageRecord() });
    const newer = await evidence({ dir, pr: 22, runId: 6001 });
    expect(newer.exitCode).toBe(0);
    const older = await evidence({ dir, pr: 22, runId: 6000 });
    expect(older.exitCode).toBe(0);
    expect(older.stdout).toContain("a newer run's comment is on the pull request");
    expect(ours(22)).toHaveLength(1);
    expect(ours(22)[0]!.body).toMatch(/^<!-- release-safety:evidence run=6001 attempt=1 /);
    // A re-run (attempt 2) is newer; the first attempt, or an older run with more attempts, finishing late is not.
    expect((await evidence({ dir, pr: 22, runId: 6001, attempt: 2 })).exitCode).toBe(0);
    for (const [runId, attempt] of [
      [6001, 1],
      [6000, 5],
    ] as const) {
      const late = await evidence({ dir, pr: 22, runId, attempt });
      expect(late.exitCode).toBe(0);
      expect(late.stdout).toContain("a newer run's comment is on the pull request");
    }
    expect(ours(22)).toHaveLength(1);
    expect(ours(22)[0]!.body).toMatch(/^<!-- release-safety:evidence run=6001 attempt=2 /);
    expect(posts(22)).toHaveLength(1);
    expect(api.violations).toEqual([]);
  });

  it('a 502 after a stored POST, then a re-run: exactly one comment', async () => {
    const dir = evidenceDir('bad-gateway', { 'lint.json': real.lint, 'test.json': real.test, 'image.json': imageRecord() });
    api.faults.push({ kind: 'bad-gateway-after-write', operation: 'issues/create-comment' });
    const first = await evidence({ dir, pr: 23, runId: 7000 });
    expect(first.exitCode, first.stdout).toBe(0);
    expect(api.requests.some((r) => r.operation === 'issues/create-comment' && r.status === 502)).toBe(true);
    expect(ours(23)).toHaveLength(1);
    const rerun = await evidence({ dir, pr: 23, runId: 7000, attempt: 2 });
    expect(rerun.exitCode).toBe(0);
    expect(ours(23)).toHaveLength(1);
    expect(posts(23)).toHaveLength(1);
    expect(api.violations).toEqual([]);
  });

  it('a secondary rate limit on the commit status is retried once, after retry-after', async () => {
    const dir = evidenceDir('rate-limit', { 'lint.json': real.lint, 'test.json': real.test, 'image.json': imageRecord() });
    api.faults.push({ kind: 'secondary-rate-limit', retryAfterSeconds: 2, operation: 'repos/create-commit-status' });
    const before = api.requests.length;
    const r = await evidence({ dir, pr: 24, runId: 7100 });
    expect(r.exitCode, r.stdout).toBe(0);
    const tries = api.requests.slice(before).filter((q) => q.operation === 'repos/create-commit-status');
    expect(tries.map((q) => q.status)).toEqual([403, 201]);
    expect(tries[1]!.at - tries[0]!.at).toBeGreaterThanOrEqual(2000);
    expect(
      r.annotations
        .filter((a) => a.command === 'warning')
        .map((a) => a.message)
        .join('\n'),
    ).toContain('secondary rate limit');
  });
});

describe('races', () => {
  it("two runs started at once against one server: both create, one comment at the end, the newer run's", async () => {
    // Every answer 300 ms late, so both runs list the comments before either has created one.
    const fast = api;
    api = await startGitHubApi({ latencyMs: 300 });
    try {
      const dir = evidenceDir('race', { 'lint.json': real.lint, 'test.json': real.test, 'image.json': imageRecord() });
      const [a, b] = await Promise.all([evidence({ dir, pr: 25, runId: 8000 }), evidence({ dir, pr: 25, runId: 8001 })]);
      expect(a.exitCode, a.stdout).toBe(0);
      expect(b.exitCode, b.stdout).toBe(0);
      expect(posts(25)).toHaveLength(2);
      const deleted = api.requests.filter((r) => r.operation === 'issues/delete-comment' && r.status === 204);
      expect(deleted).toHaveLength(1);
      expect(ours(25)).toHaveLength(1);
      expect(ours(25)[0]!.body).toMatch(/^<!-- release-safety:evidence run=8001 /);
      // The oldest of the two is kept (the one reviewers were notified of), the later one removed.
      const kept = ours(25)[0]!.id;
      expect(Number(deleted[0]!.path.split('/').pop())).toBeGreaterThan(kept);
      expect([a.outputs['comment-url'], b.outputs['comment-url']]).toEqual([
        expect.stringMatching(new RegExp(`#issuecomment-${kept}$`)),
        expect.stringMatching(new RegExp(`#issuecomment-${kept}$`)),
      ]);
      expect(api.violations).toEqual([]);
    } finally {
      await api.stop();
      api = fast;
    }
  });

  it('a workflow_run report for a fork PR: the PR a record names is used only when GitHub says its head is this commit', async () => {
    const dir = evidenceDir('workflow-run', { 'lint.json': real.lint, 'test.json': real.test, 'image.json': imageRecord() });
    const event = {
      workflow_run: {
        id: 77,
        head_sha: headSha,
        head_branch: 'feature',
        event: 'pull_request',
        display_title: 'Add items endpoint',
        pull_requests: [],
        head_repository: { full_name: 'someone/service' },
        repository: { full_name: REPO },
      },
    };
    const report = (runId: number) =>
      run('evidence', {
        workspace,
        eventName: 'workflow_run',
        event,
        sha: randomSha(),
        inputs: { 'evidence-dir': dir, 'required-gates': 'lint,test,image', 'github-token': 'ghs_write' },
        env: { GITHUB_API_URL: api.url, GITHUB_RUN_ID: String(runId) },
      });
    api.state.pulls.push({
      repository: REPO,
      number: 12,
      title: 'Add items endpoint',
      headSha: randomSha(),
      headRef: 'feature',
      headRepository: 'someone/service',
    });
    const mismatch = await report(9600);
    expect(mismatch.exitCode, mismatch.stdout).toBe(0);
    expect(mismatch.stdout).toContain('pull request #12, named by a record, has head');
    expect(ours(12)).toHaveLength(0);
    api.state.pulls[0]!.headSha = headSha;
    const ok = await report(9601);
    expect(ok.exitCode, ok.stdout).toBe(0);
    expect(ours(12)).toHaveLength(1);
    expect(api.state.statuses.filter((s) => s.targetUrl?.endsWith('/runs/9601')).map((s) => s.sha)).toEqual([headSha]);
    expect(api.violations).toEqual([]);
  });
});

describe('size, escaping and untrusted records', () => {
  function bigFailure(text: string): Evidence {
    const findings = Array.from({ length: 100 }, (_, i) => ({
      severity: 'error' as const,
      message: `${text} ${i}`,
      file: `sample-service/src/file-${i}.ts`,
      line: i + 1,
      rule: 'no-unused-vars',
    }));
    return evidenceSchema.parse({ ...real.lint, status: 'fail', summary: '100 errors', findings, findingsTotal: 250 });
  }

  it.each([
    ['ASCII', 'x'.repeat(690)],
    ['emoji', '🚨'.repeat(345)],
  ])('a report rendering over 70,000 characters (%s) posts at most 65,536, valid markdown, with the link', async (_kind, text) => {
    const pr = _kind === 'ASCII' ? 26 : 27;
    const dir = evidenceDir(`size-${pr}`, { 'lint.json': bigFailure(text), 'test.json': real.test, 'image.json': imageRecord() });
    const r = await evidence({ dir, pr, runId: 9000 });
    expect(r.exitCode).toBe(1);
    expect(r.outputs.verdict).toBe('fail');
    // Counted as GitHub counts (characters: code points), the full report is over 70,000.
    expect([...r.summary].length).toBeGreaterThan(70_000);
    expect(r.summary).toContain(`${text} 99`);
    const body = ours(pr)[0]!.body;
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect([...body].length).toBeLessThanOrEqual(65_536);
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(262_144);
    // Details are cut first: the first findings are still there, the per-gate detail blocks are not all.
    expect(body).toContain('### Findings');
    expect(body.split('<details>').length).toBeLessThan(r.summary.split('<details>').length);
    expect(body).toContain('shortened to fit');
    expect(body).toContain('[the full report in the job summary](https://github.com/acme/service/actions/runs/9000)');
    expect(body).toContain(text.slice(0, 200));
    // No half of an emoji left at a cut.
    expect(body).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
    expect(body).toContain(`https://github.com/acme/service/blob/${headSha}/sample-service/src/file-0.ts#L1`);
    expectWellFormed(body);
    expect(api.violations).toEqual([]);
  });

  it('a hostile PR title and branch render inert', async () => {
    const title = '@org/team <img src=x onerror=alert(1)> ``` <details>';
    const dir = evidenceDir('hostile', { 'lint.json': real.lint, 'test.json': real.test, 'image.json': imageRecord() });
    const r = await evidence({ dir, pr: 28, runId: 9100, title, headRef: 'x"><script>' });
    expect(r.exitCode, r.stdout).toBe(0);
    const body = ours(28)[0]!.body;
    for (const text of [body, r.summary]) {
      expect(text).not.toContain('@org');
      expect(text).not.toContain('<img');
      expect(text).not.toContain('<script');
      expect(text).not.toContain('```');
      expect(text).toContain('&#64;org/team &lt;img src=x onerror=alert&#40;1&#41;&gt; &#96;&#96;&#96; &lt;details&gt;');
      expect(text).toContain('branch <code>x&quot;&gt;&lt;script&gt;</code>');
      expectWellFormed(text);
    }
  });

  it('hostile tool messages, file names and test names render inert', async () => {
    const hostile = '[click](https://evil.example/x) ![x](https://evil.example/p.png) @org/team </details> ``` <img src=x onerror=alert(1)>';
    const findings = [
      { severity: 'error' as const, message: hostile, file: 'src/<img src=x onerror=alert(1)>.ts', line: 3, rule: '</code><script>alert(1)</script>' },
      { severity: 'error' as const, message: 'plain', file: '../[x](https://evil.example)', line: 1 },
    ];
    const lint = evidenceSchema.parse({ ...real.lint, status: 'fail', summary: `1 error ${hostile}`, findings, findingsTotal: 2 });
    // A forged job link with a malformed escape: shown encoded, it does not stop the report.
    const test = evidenceSchema.parse({
      ...real.test,
      subject: { ...real.test.subject, runUrl: 'https://github.com/acme/service/actions/runs/1/%E0%A4%A' },
      status: 'fail',
      summary: 'a test failed',
      findings: [
        {
          severity: 'error',
          message: 'expected <b>1</b>',
          file: 'test/a.test.ts',
          line: 9,
          rule: 'items › @org/team ``` </details> [a](https://evil.example)',
        },
      ],
      findingsTotal: 1,
      metrics: { ...real.test.metrics, failed: 1 },
    });
    const dir = evidenceDir('hostile-findings', { 'lint.json': lint, 'test.json': test, 'image.json': imageRecord() });
    const r = await evidence({ dir, pr: 34, runId: 9110 });
    expect(r.outputs.verdict).toBe('fail');
    const body = ours(34)[0]!.body;
    for (const text of [body, r.summary]) {
      expect(text).not.toMatch(/@org|<img|<script|<b>|```|\]\(https:\/\/evil/);
      expectWellFormed(text);
      const html = marked.parse(text, { gfm: true, async: false });
      expect(html).not.toContain('href="https://evil.example');
      expect(html).not.toMatch(/<b>|<script/);
      // The escaped text is there (shown, not dropped): the message and the test name.
      expect(text).toContain('&#91;click&#93;&#40;https&#58;//evil.example/x&#41; &#33;&#91;x&#93;');
      expect(text).toContain('items › &#64;org/team &#96;&#96;&#96; &lt;/details&gt;');
    }
    // A file name that is a plain relative path links to it at the head SHA, percent-encoded; one that climbs out is only shown.
    expect(body).toContain(`/blob/${headSha}/src/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.ts#L3`);
    expect(body).toContain('<code>../&#91;x&#93;&#40;https&#58;//evil.example&#41;&#58;1</code>');
    expect(body).toContain('[job](https://github.com/acme/service/actions/runs/1/%E0%A4%25A)');
    expect(r.stdout).not.toContain('unexpected error');
    expect(api.violations).toEqual([]);
  });

  it('an invalid and a stale record are reported, not rendered, not counted', async () => {
    const stale = { ...real.test, status: 'fail', summary: 'stale failure', subject: { ...real.test.subject, commitSha: randomSha() } };
    const invalid = { ...real.lint, gate: 'secrets', status: 'pass', summary: '<script>alert(1)</script> forged', findingsTotal: -1 };
    const dir = evidenceDir('untrusted', {
      'lint.json': real.lint,
      'test/test.json': real.test,
      'old/test.json': stale,
      'fork/secrets.json': invalid,
      'image.json': imageRecord(),
      'junk/notes.json': 'not json at all',
    });
    const r = await evidence({ dir, pr: 29, runId: 9200, inputs: { 'required-gates': 'lint,test,image' } });
    expect(r.outputs.verdict).toBe('error');
    expect(r.exitCode).toBe(1);
    const body = ours(29)[0]!.body;
    for (const text of [body, r.summary]) {
      expect(text).toMatch(/^\| ⚠️ \| <code>secrets<\/code> \(not required\) \| error: invalid record fork\/secrets\.json&#58; .*findingsTotal/m);
      expect(text).toContain('invalid: <code>fork/secrets.json</code>');
      expect(text).toContain('findingsTotal');
      expect(text).toContain('ignored: <code>old/test.json</code>');
      expect(text).toContain('stale');
      expect(text).toContain('invalid: <code>junk/notes.json</code>');
      expect(text).not.toContain('stale failure');
      expect(text).not.toContain('<script>');
      expect(text).not.toContain('forged');
    }
    const bundle = parseBundle(r.bundle!, 'bundle');
    expect(bundle.records.map((e) => `${e.record.gate}:${e.record.status}`)).toEqual(['lint:pass', 'test:pass', 'image:pass']);
    expect(bundle.reasons.join('\n')).toContain('junk/notes.json');
  });

  it('comment modes: update-only and on-failure (passing) create nothing, never reads no comments; on-failure updates an existing one', async () => {
    const dir = evidenceDir('modes', { 'lint.json': real.lint, 'test.json': real.test, 'image.json': imageRecord() });
    for (const [mode, runId] of [
      ['update-only', 9700],
      ['on-failure', 9701],
      ['never', 9702],
    ] as const) {
      const r = await evidence({ dir, pr: 33, runId, inputs: { comment: mode } });
      expect(r.exitCode, `${mode}: ${r.stdout}`).toBe(0);
      expect(r.outputs['comment-url']).toBe('');
    }
    expect(posts(33)).toHaveLength(0);
    expect(api.requests.filter((q) => q.operation === 'issues/list-comments' && q.path.endsWith('/issues/33/comments'))).toHaveLength(2);
    const failing = evidenceDir('modes-fail', { 'lint.json': real.lint, 'image.json': imageRecord() });
    expect((await evidence({ dir: failing, pr: 33, runId: 9703, inputs: { comment: 'on-failure' } })).outputs.verdict).toBe('fail');
    expect(posts(33)).toHaveLength(1);
    const fixed = await evidence({ dir, pr: 33, runId: 9704, inputs: { comment: 'on-failure' } });
    expect(fixed.outputs.verdict).toBe('pass');
    expect(ours(33)).toHaveLength(1);
    expect(ours(33)[0]!.body).toContain('release-safety: pass');
    expect(api.violations).toEqual([]);
  });

  it('a pass record that its own figures contradict (12 failed tests, an error finding) is invalid, never counted as a pass', async () => {
    const lying = { ...real.test, status: 'pass', metrics: { ...real.test.metrics, failed: 12 } };
    const lyingLint = { ...real.lint, status: 'pass', findings: [{ severity: 'error', message: 'x', file: 'a.ts', line: 1 }], findingsTotal: 1 };
    // A gate's own failure count: two open secrets in a record that says pass.
    const lyingSecrets = {
      ...real.lint,
      gate: 'secrets',
      status: 'pass',
      tool: { name: 'gitleaks', version: '8.28.0' },
      metrics: { findings: 2, suppressed: 0 },
      findings: [],
      findingsTotal: 0,
      details: {},
    };
    const dir = evidenceDir('contradiction', { 'lint.json': lyingLint, 'test.json': lying, 'secrets.json': lyingSecrets, 'image.json': imageRecord() });
    const r = await evidence({ dir, pr: 61, runId: 9310, inputs: { 'required-gates': 'lint,test,secrets,image' } });
    expect(r.outputs.verdict).toBe('error');
    expect(r.exitCode).toBe(1);
    expect(r.summary).toContain('test says pass, but its metric failed is 12');
    expect(r.summary).toContain('lint says pass, but carries an error finding');
    expect(r.summary).toContain('secrets says pass, but its metric findings is 2');
    const bundle = parseBundle(r.bundle!, 'bundle');
    expect(bundle.records.map((e) => e.record.gate)).toEqual(['image']);
    expect(bundle.verdict).not.toBe('pass');
  });

  it('a missing required gate fails the verdict', async () => {
    const dir = evidenceDir('missing', { 'lint.json': real.lint, 'test.json': real.test });
    const r = await evidence({ dir, pr: 30, runId: 9300 });
    expect(r.outputs.verdict).toBe('fail');
    expect(r.exitCode).toBe(1);
    expect(r.summary).toContain('image&#58; required, but no record');
    expect(api.state.statuses.filter((s) => s.sha === headSha).at(-1)!.state).toBe('failure');
  });
});

describe('tokens', () => {
  it('fork event with a read-only token: exit 0, one warning, the full summary, verdict unchanged', async () => {
    const dir = evidenceDir('fork', { 'lint.json': real.lint, 'test.json': real.test, 'image.json': imageRecord() });
    const r = await evidence({ dir, pr: 31, runId: 9400, token: 'ghs_read', fork: true });
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.outputs.verdict).toBe('pass');
    const warnings = r.annotations.filter((a) => a.command === 'warning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain('Resource not accessible by integration');
    expect(r.summary).toContain('release-safety: pass');
    expect(r.summary).toContain('lint: everything');
    expect(ours(31)).toHaveLength(0);
  });

  it('a 401 fails the step', async () => {
    const dir = evidenceDir('unauthorized', { 'lint.json': real.lint, 'test.json': real.test, 'image.json': imageRecord() });
    const r = await evidence({ dir, pr: 32, runId: 9500, token: 'ghs_revoked' });
    expect(r.exitCode).not.toBe(0);
    expect(r.outputs.verdict).toBe('pass');
    expect(
      r.annotations
        .filter((a) => a.command === 'error')
        .map((a) => a.message)
        .join('\n'),
    ).toContain('401');
    expect(r.summary).toContain('release-safety: pass');
  });

  it("any other API error fails the step with GitHub's message; the gates' verdict stays in the outputs", async () => {
    const served = api;
    // This server serves another repository only: GitHub's answer for acme/service is a 404 "Not Found".
    api = await startGitHubApi({ repositories: ['acme/elsewhere'] });
    try {
      const dir = evidenceDir('not-found', { 'lint.json': real.lint, 'test.json': real.test, 'image.json': imageRecord() });
      const r = await evidence({ dir, pr: 35, runId: 9510 });
      expect(r.exitCode).not.toBe(0);
      expect(r.outputs.verdict).toBe('pass');
      const errors = r.annotations.filter((a) => a.command === 'error').map((a) => a.message);
      expect(errors.join('\n')).toContain('GitHub answered 404 while setting the commit status: Not Found');
      expect(r.annotations.filter((a) => a.command === 'warning')).toHaveLength(0);
      expect(r.summary).toContain('release-safety: pass');
      expect(api.violations).toEqual([]);
    } finally {
      await api.stop();
      api = served;
    }
  });

  it('an empty github-token: no request to GitHub, one warning, the report in the job summary', async () => {
    const dir = evidenceDir('no-token', { 'lint.json': real.lint, 'test.json': real.test, 'image.json': imageRecord() });
    const before = api.requests.length;
    const r = await evidence({ dir, pr: 36, runId: 9520, token: '' });
    expect(r.exitCode, r.stdout).toBe(0);
    expect(r.outputs.verdict).toBe('pass');
    expect(api.requests.length).toBe(before);
    expect(r.annotations.filter((a) => a.command === 'warning').map((a) => a.message)).toEqual([expect.stringContaining('input "github-token" is empty')]);
    expect(r.summary).toContain('lint: everything');
  });

  it('comment-author names the login the token writes as: only its marked comments are ours', async () => {
    const served = api;
    api = await startGitHubApi({ tokens: { ghs_app: { login: 'acme-release[bot]', access: 'write', type: 'Bot' } } });
    try {
      const dir = evidenceDir('author', { 'lint.json': real.lint, 'test.json': real.test, 'image.json': imageRecord() });
      // Another bot's comment carrying the marker of a newer run: not ours, never taken, never touched.
      const otherBody = `<!-- release-safety:evidence run=9999999 attempt=1 sha=${headSha} -->\nanother bot`;
      const other = api.seedComment(REPO, 37, 'github-actions[bot]', otherBody);
      const inputs = { 'comment-author': 'acme-release[bot]' };
      const first = await evidence({ dir, pr: 37, runId: 9530, token: 'ghs_app', inputs });
      expect(first.exitCode, first.stdout).toBe(0);
      const again = await evidence({ dir, pr: 37, runId: 9530, attempt: 2, token: 'ghs_app', inputs });
      expect(again.exitCode, again.stdout).toBe(0);
      expect(posts(37)).toHaveLength(1);
      expect(api.requests.filter((q) => q.operation === 'issues/update-comment').map((q) => q.login)).toEqual(['acme-release[bot]']);
      const mine = commentsOn(37).filter((c) => c.login === 'acme-release[bot]');
      expect(mine.map((c) => c.body.split('\n')[0])).toEqual([expect.stringContaining('run=9530 attempt=2')]);
      expect(api.state.comments.find((c) => c.id === other)!.body).toBe(otherBody);
      expect(api.violations).toEqual([]);
    } finally {
      await api.stop();
      api = served;
    }
  });

  it('a comment-author that is not the token login fails the step naming both, and leaves no comment behind', async () => {
    const dir = evidenceDir('wrong-author', { 'lint.json': real.lint, 'test.json': real.test, 'image.json': imageRecord() });
    const inputs = { 'comment-author': 'someone-else[bot]' };
    for (const attempt of [1, 2]) {
      const r = await evidence({ dir, pr: 38, runId: 9540, attempt, inputs });
      expect(r.exitCode).not.toBe(0);
      expect(r.outputs.verdict).toBe('pass');
      expect(
        r.annotations
          .filter((a) => a.command === 'error')
          .map((a) => a.message)
          .join('\n'),
      ).toContain('input "comment-author" is someone-else[bot], but the token writes as github-actions[bot]');
    }
    expect(commentsOn(38)).toHaveLength(0);
    expect(api.violations).toEqual([]);
  });
});
