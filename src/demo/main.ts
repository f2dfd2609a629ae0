/**
 * `npm run demo`: the whole gated pipeline against sample-service/, on loopback.
 *
 * A scratch git repository holds the service on main and a pull request on top of it. The root
 * action (dist/pipeline/index.js) runs as the runner runs `uses: org/release-safety@v1`: every gate
 * bundle (independent ones at the same time), the alert drill on the image the image gate pushed,
 * then the evidence action (sticky comment and commit status on a local GitHub API). Real tools and
 * servers run here on 127.0.0.1: a CNCF registry, an npm advisory stand-in (the real advisory
 * service is not reachable offline), buildah, promtool, Prometheus and the gitleaks engine. Only a
 * digest whose evidence bundle passed is promoted from `ci` to `prod`, by digest, verified after the
 * copy; then planted defects (a secret, a failing test, a renamed metric) each block promotion.
 *
 * DEMO_BREAK=<defect> runs only that defect (lint, test, rules, secrets, metric). DEMO_QUICK=1 skips
 * the live drill (the metric contract still runs) and the planted defects. DEMO_KEEP=1 keeps the
 * scratch directory.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBundle } from '../core/bundle.js';
import { GATES } from '../core/evidence.js';
import { judgeRelease } from '../core/release.js';
import { startAdvisoryServer, type AdvisoryServer } from '../local/advisory-server.js';
import { makeBaseImage } from '../local/base-image.js';
import { pullRequestEvent } from '../local/events.js';
import { startGitHubApi, type GitHubApi } from '../local/github-api.js';
import { REPO_ROOT, runAction } from '../local/harness.js';
import { startRegistry, type LocalRegistry } from '../local/registry.js';
import { copySampleService } from '../local/sample-service.js';
import { removeScratchDirs, scratchDir } from '../local/scratch.js';

const say = (line = ''): void => void process.stdout.write(`${line}\n`);
const BREAKABLE = ['lint', 'test', 'rules', 'secrets', 'metric'] as const;
/** The defects `npm run demo` plants after the clean run, one pull request each. */
const PLANTED: readonly Breakable[] = ['secrets', 'test', 'metric'];
type Breakable = (typeof BREAKABLE)[number];

const TOOLS: [string, string][] = [
  ['git', 'git'],
  ['buildah', 'buildah'],
  ['docker-registry', 'docker-registry'],
  ['promtool', 'prometheus'],
  ['prometheus', 'prometheus'],
];

function which(command: string): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GIT_AUTHOR_NAME: 'Demo', GIT_AUTHOR_EMAIL: 'demo@example.com', GIT_COMMITTER_NAME: 'Demo', GIT_COMMITTER_EMAIL: 'demo@example.com' },
  }).trim();
}

/** The service on main, and a pull request that changes it (with one defect when asked). */
function makeRepository(work: string, broken: Breakable | undefined): { dir: string; baseSha: string; headSha: string } {
  const dir = join(work, 'repo');
  copySampleService(dir);
  writeFileSync(join(dir, '.gitignore'), 'node_modules\nreports/\ndist/\n');
  git(work, 'init', '-q', '-b', 'main', dir);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'sample-service as on main');
  const baseSha = git(dir, 'rev-parse', 'HEAD');
  git(dir, 'checkout', '-q', '-b', 'feature/items-limit');
  const readme = join(dir, 'sample-service', 'README.md');
  appendFileSync(readme, '\n## Changelog\n\n- Items are listed in creation order.\n');
  if (broken === 'lint') writeFileSync(join(dir, 'sample-service', 'src', 'limits.ts'), 'export const MAX_ITEMS = 100;\n\nconst unused = 1;\n');
  if (broken === 'test')
    writeFileSync(
      join(dir, 'sample-service', 'test', 'limits.test.ts'),
      "import { expect, test } from 'vitest';\n\ntest('limit', () => {\n  expect(100).toBe(99);\n});\n",
    );
  if (broken === 'rules') {
    const rules = join(dir, 'sample-service', 'prometheus', 'rules', 'alerts.yml');
    writeFileSync(rules, readFileSync(rules, 'utf8').replace('> 0.05', '> 0.5'));
  }
  if (broken === 'metric') {
    // The rename a developer makes: the service and its own tests, but not the alert rule.
    const service = join(dir, 'sample-service');
    for (const file of [join(service, 'src', 'metrics.ts'), ...readdirSync(join(service, 'test')).map((f) => join(service, 'test', f))]) {
      if (file.endsWith('.ts')) writeFileSync(file, readFileSync(file, 'utf8').replaceAll('app_errors_total', 'app_exceptions_total'));
    }
  }
  // Assembled at run time so this repository never contains a literal credential.
  if (broken === 'secrets') writeFileSync(join(dir, 'sample-service', 'src', 'aws.ts'), `export const AWS_KEY_ID = '${'AKIA'}${'Q3EGRNTXZ7VW5YHP'}';\n`);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', broken ? `feature with a ${broken} defect` : 'Document item ordering');
  return { dir, baseSha, headSha: git(dir, 'rev-parse', 'HEAD') };
}

interface DemoSetup {
  work: string;
  keys: { privatePem: string; publicPem: string };
  registry: LocalRegistry;
  advisories: AdvisoryServer;
  api: GitHubApi;
  base: string;
  storage: string;
  image: string;
}

/** The pipeline config the pull request carries: the committed one, pointed at this machine's servers and tools. */
function demoConfig(setup: DemoSetup, drill: boolean): string {
  const gitleaks = join(REPO_ROOT, 'node_modules', '.bin', 'gitleaks');
  const smoke = 'node --input-type=module -e "await import(\'/app/dist/app.js\')"';
  return [
    'version: 1',
    'gates:',
    '  lint:',
    '    with: { working-directory: sample-service }',
    '  test:',
    '    with: { working-directory: sample-service }',
    '  audit:',
    `    with: { working-directory: sample-service, registry: "${setup.advisories.url}" }`,
    '  secrets:',
    `    with: { gitleaks-path: "${gitleaks}" }`,
    '  rules:',
    `    with: { rules: "sample-service/prometheus/rules/*.yml", tests: "sample-service/prometheus/tests/*.yml", promtool-path: "${which('promtool')!}" }`,
    '  image:',
    '    needs: [lint, test]',
    // On a pull request the image gate pushes pr-N and sha-<short>; the demo names `ci` itself (on GitHub a push to
    // main does). The SBOM tool is fetched from the npm registry at run time, and the demo stays on loopback.
    `    with: { context: sample-service, image: "${setup.image}", insecure-registry: "true", build-args: "BASE_IMAGE=${setup.base}", storage-dir: "${setup.storage}", smoke-command: ${JSON.stringify(smoke)}, tags: ci, sbom: "false" }`,
    '  alerts:',
    '    with:',
    '      rules: "sample-service/prometheus/rules/*.yml"',
    ...(drill ? ['      drill: sample-service/prometheus/drill.yml'] : []),
    '      service-env: FAULTS_ENABLED=1',
    `      prometheus-path: "${which('prometheus')!}"`,
    `      storage-dir: "${setup.storage}"`,
    '      tls-verify: "false"',
    'evidence:',
    // The evidence travels with the image: a signed attestation on the digest, found there by the promotion.
    '  with: { comment: always, attach: true }',
    '',
  ].join('\n');
}

interface PipelineOutcome {
  verdict: string;
  digest: string;
  bundlePath: string;
  headSha: string;
  attestation: string;
  /** The digest the alerts gate ran, from its record. */
  drilled?: string;
}

/** One pull request through the root action, printing its progress lines and final table. */
async function runPullRequest(work: string, setup: DemoSetup, broken: Breakable | undefined, drill: boolean, number: number): Promise<PipelineOutcome> {
  const repo = makeRepository(join(work, broken ?? 'clean'), broken);
  mkdirSync(join(repo.dir, '.github'), { recursive: true });
  writeFileSync(join(repo.dir, '.github', 'release-safety.yml'), demoConfig(setup, drill));
  say(`pull request #${number}${broken ? ` (planted defect: ${broken})` : ''}: main ${repo.baseSha.slice(0, 12)}, head ${repo.headSha.slice(0, 12)}`);
  const event = pullRequestEvent({
    number,
    title: 'Document item ordering',
    headRef: 'feature/items-limit',
    headSha: repo.headSha,
    baseSha: repo.baseSha,
    repository: 'acme/sample-service',
  });
  const run = await runAction('pipeline', {
    workspace: repo.dir,
    eventName: 'pull_request',
    event,
    sha: repo.headSha,
    repository: 'acme/sample-service',
    inputs: { 'github-token': 'ghs_write', 'signing-key': setup.keys.privatePem },
    env: { GITHUB_API_URL: setup.api.url },
    timeoutMs: 900_000,
  });
  // The root action's own lines: a start and an end line per gate, then the table.
  const lines = run.stdout.split('\n');
  for (const line of lines) if (/^(▶|■) /.test(line)) say(`  ${line}`);
  const table = lines.findIndex((l) => l === 'release-safety pipeline:');
  if (table >= 0) for (const line of lines.slice(table, table + 10).filter((l) => /^(release-safety pipeline:| {2}\S|verdict:)/.test(l))) say(`  ${line}`);
  if (table < 0) say(`  the pipeline left no result table (exit ${run.exitCode}): ${run.stdout.slice(-600)}`);
  const bundlePath = run.outputs['bundle-path'] ?? '';
  const drilled =
    bundlePath && existsSync(bundlePath) ? readBundle(bundlePath).records.find((e) => e.record.gate === 'alerts')?.record.details.digest : undefined;
  return {
    verdict: run.outputs.verdict ?? 'error',
    digest: run.outputs.digest ?? '',
    bundlePath,
    headSha: repo.headSha,
    attestation: run.outputs['attestation-digest'] ?? '',
    ...(typeof drilled === 'string' ? { drilled } : {}),
  };
}

/** A throwaway ECDSA P-256 key pair: the evidence step signs the attestation, the promote step verifies it. */
function signingKeys(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** What the evidence says about this digest, as the bundle the evidence action wrote (re-hashed on read). */
function sayEvidence(outcome: PipelineOutcome): void {
  if (!outcome.bundlePath || !existsSync(outcome.bundlePath)) {
    say('evidence    no evidence bundle');
    return;
  }
  const bundle = readBundle(outcome.bundlePath);
  const records = bundle.records.map((entry) => entry.record);
  const verdict = judgeRelease(records, {
    digest: outcome.digest,
    repository: 'acme/sample-service',
    commitSha: outcome.headSha,
    maxAgeMs: 24 * 3600_000,
    required: GATES,
  });
  say(
    `evidence    ${records.length} records, bundle ${bundle.sha256}, verdict ${bundle.verdict}${outcome.attestation ? `, attestation ${outcome.attestation} (signed)` : ', no attestation'}`,
  );
  for (const reason of [...new Set([...verdict.reasons, ...bundle.reasons])].slice(0, 8)) say(`  - ${reason}`);
}

/**
 * The promotion as a later workflow_dispatch runs it: the promote action (dist/promote) finds the
 * attestation on the digest in the registry, verifies its signature with the public key, checks the
 * gates and the revision label, and only then copies the manifest to `prod`. It trusts nothing this
 * process computed.
 */
async function promote(setup: DemoSetup, outcome: PipelineOutcome, from: string): Promise<boolean> {
  sayEvidence(outcome);
  if (!outcome.digest) {
    say('promotion   REFUSED: the pipeline pushed no image for this change, so there is no digest to promote');
    return false;
  }
  const workspace = join(setup.work, `promote-${outcome.headSha.slice(0, 12)}`);
  mkdirSync(workspace, { recursive: true });
  const run = await runAction('promote', {
    workspace,
    eventName: 'workflow_dispatch',
    repository: 'acme/sample-service',
    event: { inputs: { from }, sender: { login: 'release-manager', id: 1, type: 'User' } },
    inputs: {
      image: setup.image,
      from,
      to: 'prod',
      'expected-digest': outcome.digest,
      'public-key': setup.keys.publicPem,
      'github-token': 'ghs_write',
      deployment: 'true',
    },
    env: { GITHUB_API_URL: setup.api.url },
    timeoutMs: 300_000,
  });
  if (run.exitCode !== 0 || run.outputs.digest !== outcome.digest) {
    say(`promotion   REFUSED by the promote action (exit ${run.exitCode}), prod unchanged:`);
    for (const a of run.annotations.filter((x) => x.command === 'error').slice(0, 3)) say(`  ${a.message.split('\n')[0]!.slice(0, 300)}`);
    return false;
  }
  const drilled = outcome.drilled;
  const deployment = setup.api.state.deployments.find((d) => String(d.id) === run.outputs['deployment-id']);
  say(
    `promotion   ${setup.image}:${from === 'ci' ? 'ci' : from.slice(0, 19)} -> :prod at ${run.outputs.digest} (attestation verified with the public key), previous prod: ${run.outputs['previous-digest'] || 'none'}`,
  );
  say(`            deployment ${run.outputs['deployment-id'] ?? 'none'} to ${deployment?.environment ?? 'none'}; revision ${run.outputs.revision}`);
  say(
    `            built ${outcome.digest.slice(0, 19)}... = drilled ${String(drilled ?? 'none').slice(0, 19)}... = promoted ${run.outputs.digest.slice(0, 19)}...: ${outcome.digest === drilled && drilled === run.outputs.digest ? 'the same digest' : 'NOT the same digest'}`,
  );
  return outcome.digest === drilled && drilled === run.outputs.digest;
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const started = Date.now();
  const broken = env.DEMO_BREAK ? (env.DEMO_BREAK as Breakable) : undefined;
  if (broken && !BREAKABLE.includes(broken)) {
    say(`DEMO_BREAK must be one of ${BREAKABLE.join(', ')} (got ${JSON.stringify(env.DEMO_BREAK)})`);
    return 2;
  }
  const quick = env.DEMO_QUICK === '1';
  const missing = TOOLS.filter(([cmd]) => !which(cmd));
  if (missing.length > 0) {
    for (const [cmd, pkg] of missing) say(`cannot run the demo: ${cmd} is missing (Debian package ${pkg}; "node scripts/setup.mjs" installs it as root)`);
    return 1;
  }
  if (!existsSync(join(REPO_ROOT, 'sample-service', 'node_modules'))) {
    say('cannot run the demo: sample-service/node_modules is missing ("node scripts/setup.mjs" runs npm ci there)');
    return 1;
  }
  const work = scratchDir('rs-demo-');
  let setup: DemoSetup | undefined;
  try {
    say('release-safety demo: the gated pipeline (uses: org/release-safety@v1) against sample-service/, on 127.0.0.1');
    const [registry, advisories, api] = await Promise.all([
      startRegistry(),
      startAdvisoryServer({ advisories: {} }),
      startGitHubApi({ repositories: ['acme/sample-service'] }),
    ]);
    const storage = join(work, 'buildah');
    mkdirSync(storage);
    setup = { work, keys: signingKeys(), registry, advisories, api, storage, base: '', image: `${registry.host}/acme/sample-service` };
    say(`registry    ${registry.url} (CNCF distribution); advisories ${advisories.url} (npm bulk endpoint stand-in); GitHub API ${api.url}`);
    setup.base = makeBaseImage(registry, storage);
    say(`base image  ${setup.base} (this machine's node, built from scratch: no public registry is reachable)`);
    say(quick ? 'DEMO_QUICK=1: the live alert drill is skipped (the metric contract still runs), so this run proves less than a full one' : '');
    say('');
    if (broken) {
      const outcome = await runPullRequest(work, setup, broken, false, 43);
      say('');
      return (await promote(setup, outcome, outcome.digest)) ? 0 : 1;
    }
    const outcome = await runPullRequest(work, setup, undefined, !quick, 42);
    say('');
    const comments = api.state.comments.filter((c) => c.issueNumber === 42);
    say(
      `comment     ${comments.length} sticky comment on pull request #42 (${comments[0]?.body.length ?? 0} characters); commit status ${api.state.statuses.find((s) => s.sha === outcome.headSha)?.state ?? 'none'}`,
    );
    const promoted = await promote(setup, outcome, 'ci');
    if (!promoted) return 1;
    if (!quick) {
      for (const [i, defect] of PLANTED.entries()) {
        say('');
        const blocked = await runPullRequest(work, setup, defect, false, 50 + i);
        say('');
        if (await promote(setup, blocked, blocked.digest)) {
          say(`the planted ${defect} defect was NOT blocked`);
          return 1;
        }
      }
    }
    say('');
    say(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return 0;
  } finally {
    await Promise.allSettled([setup?.registry.stop(), setup?.advisories.close(), setup?.api.stop()]);
    if (env.DEMO_KEEP === '1') say(`kept ${work}`);
    // The scratch repositories and every run's runner folders go, unless asked to keep them.
    else removeScratchDirs();
  }
}
