/**
 * Adopting the rules gate on a repository whose rules already have findings on main:
 * `npx release-safety baseline rules` (dist/cli) writes them to .release-safety/rules-baseline.yml;
 * committed, the rules gate (dist/rules, real promtool) lists them as existing and passes, a new
 * finding still fails, and a pull request that baselines its own finding is judged by the base
 * commit's file. Invalid rules are never baselined.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../src/local/harness.js';
import { pullRequestEvent } from './events.js';
import { evidenceOf, FIXTURES, git, PROMTOOL, removeScratchDirs, rules, scratchDir } from './rules-support.js';

const homes: string[] = [];
afterAll(() => {
  removeScratchDirs();
  for (const home of homes) rmSync(home, { recursive: true, force: true });
});

const BASELINE = '.release-safety/rules-baseline.yml';
const INPUTS = { rules: 'untested/rules.yml', tests: 'untested/*.test.yml' };

/** `npx release-safety baseline rules ...` in the repository, with a private cache. */
function baselineCli(ws: string, ...args: string[]) {
  const cache = mkdtempSync(join(tmpdir(), 'rs-rules-baseline-cache-'));
  homes.push(cache);
  return spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'release-safety.mjs'), 'baseline', 'rules', '--promtool', PROMTOOL, ...args], {
    cwd: ws,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, XDG_CACHE_HOME: cache },
  });
}

/** A repository on main holding the untested fixture: NeverTested has no firing test, neither alert a runbook. */
function repoOnMain(): string {
  const ws = scratchDir();
  cpSync(join(FIXTURES, 'untested'), join(ws, 'untested'), { recursive: true });
  git(ws, 'init', '-q', '-b', 'main');
  git(ws, 'add', '.');
  git(ws, 'commit', '-qm', 'rules with existing findings');
  return ws;
}

function addUntestedAlert(ws: string): void {
  const path = join(ws, 'untested', 'rules.yml');
  const alert = [
    '      - alert: AddedUntested',
    '        expr: up == 2',
    '        for: 1m',
    '        labels:',
    '          severity: warning',
    '        annotations:',
    '          summary: new and untested',
    '          runbook_url: https://runbooks.example/AddedUntested',
    '',
  ].join('\n');
  writeFileSync(path, readFileSync(path, 'utf8') + alert);
}

describe('npx release-safety baseline rules, and the rules gate with the baseline', () => {
  it('main passes with its baseline; edits elsewhere keep it; a new finding fails; a PR baselining its own finding still fails', async () => {
    const ws = repoOnMain();
    const before = await rules(ws, INPUTS);
    expect(before.outputs.status, before.stdout.slice(-2000)).toBe('fail');

    const made = baselineCli(ws, '--rules', INPUTS.rules, '--tests', INPUTS.tests);
    expect(made.status, made.stdout + made.stderr).toBe(0);
    expect(made.stdout).toContain(`3 finding(s) in ${BASELINE}: 3 added, 0 kept, 0 stale removed`);
    const text = readFileSync(join(ws, BASELINE), 'utf8');
    expect(text).toMatch(/^# release-safety rules baseline: 3 hygiene\/coverage finding\(s\) that already exist at [0-9a-f]{12}/);
    expect(text).toContain('rule: NeverTested\n    check: coverage');
    expect(text).not.toMatch(/^\s*line:/m);
    git(ws, 'add', '.');
    git(ws, 'commit', '-qm', 'baseline the existing rule findings');
    const base = git(ws, 'rev-parse', 'HEAD');

    const onMain = await rules(ws, INPUTS, { sha: base });
    expect(onMain.outputs.status, onMain.summary).toBe('pass');
    expect(onMain.exitCode).toBe(0);
    const record = evidenceOf(onMain);
    expect(record.metrics).toMatchObject({ baselined: 3, baselineStale: 0 });
    expect(record.summary).toContain('3 existing finding(s) baselined');
    expect(record.findings.find((f) => f.rule === 'coverage')).toMatchObject({
      severity: 'notice',
      message: expect.stringContaining(`existing (baselined at ${BASELINE}:`),
    });
    expect(onMain.summary).toContain(`### Existing (baselined): 3 finding(s) from <code>${BASELINE}</code>`);
    expect(onMain.summary).toMatch(/^\| location \| check \| rule \| group \| owner, reason, expiry \|$/m);

    // A pull request that moves every line (a comment on top) and adds nothing: still baselined.
    git(ws, 'checkout', '-q', '-b', 'reformat');
    const rulesPath = join(ws, 'untested', 'rules.yml');
    writeFileSync(rulesPath, `# owned by the platform team\n\n${readFileSync(rulesPath, 'utf8')}`);
    git(ws, 'commit', '-qam', 'a comment on top');
    const moved = git(ws, 'rev-parse', 'HEAD');
    const reformat = await rules(ws, INPUTS, { eventName: 'pull_request', event: pullRequestEvent({ baseSha: base, headSha: moved }), sha: moved });
    expect(reformat.outputs.status, reformat.summary).toBe('pass');
    expect(evidenceOf(reformat).metrics.baselined).toBe(3);

    // A pull request that adds an untested alert fails on it, and only on it.
    git(ws, 'checkout', '-q', 'main');
    git(ws, 'checkout', '-q', '-b', 'feature');
    addUntestedAlert(ws);
    git(ws, 'commit', '-qam', 'a new alert without a test');
    const head = git(ws, 'rev-parse', 'HEAD');
    const pr = await rules(ws, INPUTS, { eventName: 'pull_request', event: pullRequestEvent({ baseSha: base, headSha: head }), sha: head });
    expect(pr.outputs.status, pr.summary).toBe('fail');
    const errors = evidenceOf(pr).findings.filter((f) => f.severity === 'error');
    expect(errors.map((f) => [f.rule, f.message.split(' ')[1]])).toEqual([['coverage', 'AddedUntested']]);
    // Its location links to the file and line at the head SHA.
    expect(pr.summary).toContain(`(https://github.com/acme/service/blob/${head}/untested/rules.yml#L${errors[0]!.line})`);

    // The same pull request runs the baseline command for its own finding: main's baseline still judges it.
    const own = baselineCli(ws, '--rules', INPUTS.rules, '--tests', INPUTS.tests);
    expect(own.status, own.stdout + own.stderr).toBe(0);
    expect(own.stdout).toContain('4 finding(s) in .release-safety/rules-baseline.yml: 1 added, 3 kept, 0 stale removed');
    git(ws, 'commit', '-qam', 'baseline my own alert');
    const selfBaselined = git(ws, 'rev-parse', 'HEAD');
    const prOwn = await rules(ws, INPUTS, {
      eventName: 'pull_request',
      event: pullRequestEvent({ baseSha: base, headSha: selfBaselined }),
      sha: selfBaselined,
    });
    expect(prOwn.outputs.status, prOwn.summary).toBe('fail');
    expect(
      evidenceOf(prOwn)
        .findings.filter((f) => f.severity === 'error')
        .map((f) => f.message.split(' ')[1]),
    ).toEqual(['AddedUntested']);
    expect(prOwn.summary).toContain('### Baseline edits in this change: applied after merge (1)');
    expect(prOwn.summary).toContain(`at the base commit <code>${base.slice(0, 12)}</code>`);
    // Pushed (merged), the edited baseline applies.
    const merged = await rules(ws, INPUTS, { sha: selfBaselined });
    expect(merged.outputs.status, merged.summary).toBe('pass');
  });

  it('a fixed finding leaves a stale entry (a warning); invalid rules are never baselined; a bad baseline names its key and line', async () => {
    const ws = repoOnMain();
    expect(baselineCli(ws, '--rules', INPUTS.rules, '--tests', INPUTS.tests).status).toBe(0);
    // Fix one finding: NeverTested gets a runbook.
    const rulesPath = join(ws, 'untested', 'rules.yml');
    writeFileSync(
      rulesPath,
      readFileSync(rulesPath, 'utf8').replace(
        'summary: nobody tests me',
        'summary: nobody tests me\n          runbook_url: https://runbooks.example/NeverTested',
      ),
    );
    const fixed = await rules(ws, INPUTS);
    expect(fixed.outputs.status, fixed.summary).toBe('pass');
    const stale = evidenceOf(fixed).findings.filter((f) => f.rule === 'baseline-stale');
    expect(stale).toHaveLength(1);
    expect(stale[0]).toMatchObject({
      severity: 'warning',
      file: BASELINE,
      message: expect.stringContaining('require-runbook of NeverTested in untested/rules.yml'),
    });

    // A syntax error is not baselined: the command writes the rest and fails, naming it.
    cpSync(join(FIXTURES, 'syntax'), join(ws, 'syntax'), { recursive: true });
    const broken = baselineCli(ws, '--rules', 'untested/rules.yml\nsyntax/rules.yml', '--tests', INPUTS.tests);
    expect(broken.status, broken.stdout + broken.stderr).toBe(1);
    expect(broken.stderr).toContain('cannot be baselined (invalid rules and failing rule tests are never baselined)');
    expect(broken.stderr).toContain('syntax/rules.yml');
    expect(readFileSync(join(ws, BASELINE), 'utf8')).not.toContain('syntax/');

    // A hand-made entry for a promtool check: a configuration error naming the key and its line.
    writeFileSync(join(ws, BASELINE), 'version: 1\nbaseline:\n  - file: syntax/rules.yml\n    group: g\n    rule: Broken\n    check: promtool-check\n');
    const bad = await rules(ws, INPUTS);
    expect(bad.outputs.status).toBe('error');
    expect(evidenceOf(bad).summary).toContain(`rules baseline ${BASELINE}:6: key "check" must be one of require-severity`);
    const missing = await rules(ws, { ...INPUTS, baseline: 'no/such.yml' });
    expect(missing.outputs.status).toBe('error');
    expect(evidenceOf(missing).summary).toContain('input "baseline" names "no/such.yml", which does not exist');
  });
});
