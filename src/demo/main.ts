/**
 * `npm run demo`: the whole gated pipeline against sample-service/, on loopback.
 *
 * A scratch git repository holds the service on main and a pull request on top of it. The six
 * gate bundles run as the runner runs them (src/local/harness.ts), in parallel, against real
 * tools and servers started here on 127.0.0.1: a CNCF registry, an npm advisory stand-in (the
 * real advisory service is not reachable offline), buildah, promtool and the gitleaks engine.
 * Their evidence is bundled and judged, and only a digest whose evidence passed is promoted
 * from `ci` to `prod`, by digest, with the bytes verified after the copy.
 *
 * DEMO_BREAK=lint (or test, rules, secrets) puts a defect in the pull request to show the gate
 * refusing the promotion. DEMO_KEEP=1 keeps the scratch directory.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync, appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBundle, serializeBundle } from '../core/bundle.js';
import { readVerifiedEvidence, type GateName } from '../core/evidence.js';
import { mapWithLimit } from '../core/pool.js';
import { judgeRelease } from '../core/release.js';

/** The gates the demo runs (the alert drill joins with the pipeline). */
const DEMO_GATES = ['lint', 'test', 'image', 'audit', 'secrets', 'rules'] as const satisfies readonly GateName[];
type DemoGate = (typeof DEMO_GATES)[number];
import { startAdvisoryServer, type AdvisoryServer } from '../local/advisory-server.js';
import { makeBaseImage } from '../local/base-image.js';
import { pullRequestEvent } from '../local/events.js';
import { REPO_ROOT, runAction, type ActionRun } from '../local/harness.js';
import { startRegistry, type LocalRegistry } from '../local/registry.js';
import { copySampleService } from '../local/sample-service.js';
import { removeScratchDirs, scratchDir } from '../local/scratch.js';
import { RegistryClient } from '../registry/client.js';
import { promoteByDigest } from '../registry/promote.js';

const say = (line = ''): void => void process.stdout.write(`${line}\n`);
const BREAKABLE = ['lint', 'test', 'rules', 'secrets'] as const;
type Breakable = (typeof BREAKABLE)[number];

const TOOLS: [string, string][] = [
  ['git', 'git'],
  ['buildah', 'buildah'],
  ['docker-registry', 'docker-registry'],
  ['promtool', 'prometheus'],
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
  if (broken === 'test') writeFileSync(join(dir, 'sample-service', 'test', 'limits.test.ts'), "import { expect, test } from 'vitest';\n\ntest('limit', () => {\n  expect(100).toBe(99);\n});\n");
  if (broken === 'rules') {
    const rules = join(dir, 'sample-service', 'prometheus', 'rules', 'alerts.yml');
    writeFileSync(rules, readFileSync(rules, 'utf8').replace('> 0.05', '> 0.5'));
  }
  // Assembled at run time so this repository never contains a literal credential.
  if (broken === 'secrets') writeFileSync(join(dir, 'sample-service', 'src', 'aws.ts'), `export const AWS_KEY_ID = '${'AKIA'}${'Q3EGRNTXZ7VW5YHP'}';\n`);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', broken ? `feature with a ${broken} defect` : 'Document item ordering');
  return { dir, baseSha, headSha: git(dir, 'rev-parse', 'HEAD') };
}

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const started = Date.now();
  const broken = env.DEMO_BREAK ? (env.DEMO_BREAK as Breakable) : undefined;
  if (broken && !BREAKABLE.includes(broken)) {
    say(`DEMO_BREAK must be one of ${BREAKABLE.join(', ')} (got ${JSON.stringify(env.DEMO_BREAK)})`);
    return 2;
  }
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
  let registry: LocalRegistry | undefined;
  let advisories: AdvisoryServer | undefined;
  try {
    say('release-safety demo: the gated pipeline against sample-service/, on 127.0.0.1');
    say(broken ? `(DEMO_BREAK=${broken}: the pull request carries a ${broken} defect)` : '');
    const repo = makeRepository(work, broken);
    say(`repository  ${repo.dir}: main ${repo.baseSha.slice(0, 12)}, pull request #42 head ${repo.headSha.slice(0, 12)}`);
    [registry, advisories] = await Promise.all([startRegistry(), startAdvisoryServer({ advisories: {} })]);
    say(`registry    ${registry.url} (CNCF distribution)`);
    say(`advisories  ${advisories.url} (npm bulk advisory endpoint stand-in)`);
    const storage = join(work, 'buildah');
    mkdirSync(storage);
    const base = makeBaseImage(registry, storage);
    say(`base image  ${base} (this machine's node, built from scratch: no public registry is reachable)`);

    const evidenceDir = join(work, 'evidence');
    const image = `${registry.host}/acme/sample-service`;
    const gitleaks = join(REPO_ROOT, 'node_modules', '.bin', 'gitleaks');
    const inputs: Record<DemoGate, Record<string, string>> = {
      lint: { 'working-directory': 'sample-service' },
      test: { 'working-directory': 'sample-service' },
      audit: { 'working-directory': 'sample-service', registry: advisories.url },
      secrets: { 'gitleaks-path': gitleaks },
      rules: { rules: 'sample-service/prometheus/rules/*.yml', tests: 'sample-service/prometheus/tests/*.yml', 'promtool-path': which('promtool')! },
      image: { context: 'sample-service', image, 'insecure-registry': 'true', 'build-args': `BASE_IMAGE=${base}`, 'storage-dir': storage, 'smoke-command': 'node --input-type=module -e "await import(\'/app/dist/app.js\')"' },
    };
    const event = pullRequestEvent({ number: 42, title: 'Document item ordering', headRef: 'feature/items-limit', headSha: repo.headSha, baseSha: repo.baseSha, repository: 'acme/sample-service' });
    say('');
    say('gates (in parallel, each a dist/<gate>/index.js bundle run as the runner runs it):');
    const runs = await mapWithLimit(
      DEMO_GATES,
      3,
      async (gate): Promise<[GateName, ActionRun]> => {
        const run = await runAction(gate, {
          workspace: repo.dir,
          eventName: 'pull_request',
          event,
          sha: repo.headSha,
          repository: 'acme/sample-service',
          inputs: { ...inputs[gate], 'evidence-dir': evidenceDir },
          timeoutMs: 600_000,
        });
        say(`  ${(run.outputs.status ?? 'error').padEnd(7)} ${gate.padEnd(8)} ${(run.durationMs / 1000).toFixed(1).padStart(5)} s  ${firstLine(run)}`);
        return [gate, run];
      },
    );
    const byGate = new Map(runs);
    const digest = byGate.get('image')?.outputs.digest ?? '';

    // Each record is checked against the sha256 its gate reported before it is believed.
    const records = DEMO_GATES.filter((g) => existsSync(join(evidenceDir, `${g}.json`))).map((g) =>
      readVerifiedEvidence(join(evidenceDir, `${g}.json`), byGate.get(g)?.outputs['evidence-sha256'] ?? ''),
    );
    const verdict = judgeRelease(records, { digest, repository: 'acme/sample-service', commitSha: repo.headSha, maxAgeMs: 24 * 3600_000, required: DEMO_GATES });
    const bundle = createBundle(records, {
      repository: 'acme/sample-service',
      commitSha: repo.headSha,
      ...(digest ? { digest, image: `${image}@${digest}` } : {}),
      verdict: verdict.ok ? 'pass' : 'fail',
      requiredGates: [...DEMO_GATES],
      reasons: verdict.reasons,
    });
    writeFileSync(join(evidenceDir, 'bundle.json'), serializeBundle(bundle));
    say('');
    say(`evidence    ${records.length} records for commit ${bundle.commitSha.slice(0, 12)}, bundle ${bundle.sha256}`);
    say(`image       ${digest ? `${image}@${digest}` : '(no digest: the image gate did not publish one)'}`);

    say('');
    if (!verdict.ok || !digest) {
      say('promotion   REFUSED: the evidence for this digest did not pass');
      for (const reason of verdict.reasons) say(`  - ${reason}`);
      return 1;
    }
    const client = new RegistryClient({ registry: registry.host });
    const result = await promoteByDigest({ client, repository: 'acme/sample-service', sourceTag: 'ci', targetTag: 'prod', expectedDigest: digest, expectedRevision: verdict.commitSha! });
    say(`promotion   ${image}:ci -> :prod at ${result.digest} (${result.platforms.join(', ')}), previous prod: ${result.previousDigest ?? 'none'}`);
    say(`            verified: prod reads back with the same sha256; the image's revision label is the PR head ${verdict.commitSha!.slice(0, 12)}`);
    say('');
    say(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return 0;
  } finally {
    await Promise.allSettled([registry?.stop(), advisories?.close()]);
    if (env.DEMO_KEEP === '1') say(`kept ${work}`);
    // The scratch repository and every gate run's runner folders go, unless asked to keep them.
    else removeScratchDirs();
  }
}

function firstLine(run: ActionRun): string {
  const line = run.summary.split('\n').find((l) => l.trim() !== '' && !l.startsWith('#')) ?? '';
  // The summary is markdown with entities; the terminal wants plain text.
  const text = line.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  return text.length > 110 ? `${text.slice(0, 107)}...` : text;
}
