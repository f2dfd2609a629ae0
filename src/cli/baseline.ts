/**
 * `npx release-safety baseline secrets [--scope history|tree] [--out .gitleaksignore] [--gitleaks PATH]`:
 * runs the shipped secrets action over the whole history (or the working tree) of the checkout,
 * the way the runner runs it, and writes the fingerprints of every finding it reports into
 * `.gitleaksignore` (existing lines kept). Committed to main, the file is what the gate reads from
 * the base commit on pull requests: the findings that already exist stop failing runs, new ones
 * still fail, and a change cannot add to the baseline for itself.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigurationError } from '../core/errors.js';
import { mergeIntoGitleaksIgnore, openFingerprints } from '../gates/secrets/baseline.js';
import { runBundle } from '../pipeline/child.js';
import { localRunnerEnv } from './local-env.js';

const SCOPES = ['history', 'tree'];

export async function baselineCommand(args: string[], distDir: string): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { scope: { type: 'string' }, out: { type: 'string' }, gitleaks: { type: 'string' } }, strict: true });
  if (positionals.length !== 1 || positionals[0] !== 'secrets') {
    throw new ConfigurationError(`baseline takes one gate: "release-safety baseline secrets" (got ${JSON.stringify(positionals.join(' '))})`);
  }
  const scope = values.scope ?? 'history';
  if (!SCOPES.includes(scope)) throw new ConfigurationError(`--scope must be history (every commit reachable from HEAD) or tree (the working tree), got ${JSON.stringify(scope)}`);
  const local = localRunnerEnv(process.cwd(), undefined);
  try {
    const out = resolve(local.workspace, values.out ?? '.gitleaksignore');
    const run = await runBundle({
      bundle: join(distDir, 'secrets', 'index.js'),
      name: 'secrets',
      inputs: { scope, ...(values.gitleaks ? { 'gitleaks-path': resolve(values.gitleaks) } : {}) },
      env: local.env,
      cwd: local.workspace,
      tempDir: join(local.home, 'bundles'),
      node: process.execPath,
      timeoutMs: 60 * 60_000,
    });
    const status = run.outputs.status ?? 'error';
    const report = run.outputs['report-path'] ?? '';
    // Only a judged scan (pass or fail) has a report; anything else is not a baseline.
    if ((status !== 'pass' && status !== 'fail') || report === '' || !existsSync(report)) {
      process.stderr.write(`${run.log}\nrelease-safety: the secrets scan did not judge (status ${status}${run.timedOut ? ', timed out' : ''}), so no baseline was written\n`);
      return 1;
    }
    const { open: fingerprints, suppressed } = openFingerprints(readFileSync(report, 'utf8'), 'the secrets report');
    const existing = existsSync(out) ? readFileSync(out, 'utf8') : '';
    const merged = mergeIntoGitleaksIgnore(existing, fingerprints, { commit: local.headSha, scope, date: new Date().toISOString().slice(0, 10) });
    if (merged.added.length > 0) writeFileSync(out, merged.text);
    const shown = values.out ?? '.gitleaksignore';
    process.stdout.write(
      merged.added.length > 0
        ? `${merged.added.length} finding(s) written to ${shown} (${suppressed} already suppressed). Commit it to the default branch; rotate those secrets.\n`
        : `no finding to add: ${suppressed > 0 ? `the scan's ${suppressed} finding(s) are all suppressed already` : 'the scan found none'}\n`,
    );
    return 0;
  } finally {
    rmSync(local.home, { recursive: true, force: true });
  }
}
