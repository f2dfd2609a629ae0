import { writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { createBundle, serializeBundle } from '../../core/bundle.js';
import { buildContext, readEventPayload, type RunnerContext } from '../../core/context.js';
import { ConfigurationError, errorMessage } from '../../core/errors.js';
import { clamp, GATES, type GateName } from '../../core/evidence.js';
import { booleanInput, enumInput, listInput, parseInputs, stringInput } from '../../core/inputs.js';
import { md } from '../../core/markdown.js';
import { resolveDirectoryInput } from '../../core/paths.js';
import * as core from '../../core/runner.js';
import { publishReport } from '../../github/publish.js';
import { statusDescription } from '../../github/status.js';
import { RegistryError } from '../../registry/client.js';
import { collectRecordFiles } from '../../report/collect.js';
import { renderEvidenceComment, renderEvidenceSummary, type ReportView } from '../../report/comment.js';
import { judgeRecords } from '../../report/judge.js';
import { attachEvidence, attachTarget, readImagePin, readSigningKey, renderAttachment, supplyChainOutputs, type AttachOutcome } from './attach.js';
import type { EvidenceBundle } from '../../core/bundle.js';
import type { CommentMode } from '../../github/comment.js';
import type { Judgement } from '../../report/judge.js';

export const COMMENT_MODES = ['always', 'on-failure', 'update-only', 'never'] as const;

/** Keys are the exact input names of actions/evidence/action.yml. */
export const inputs = {
  'evidence-dir': stringInput(''),
  'required-gates': listInput([...GATES]).refine((gates) => gates.every((g) => (GATES as readonly string[]).includes(g)), {
    message: `must list gates from ${GATES.join(', ')} (one a line or comma-separated)`,
  }),
  'github-token': stringInput(''),
  comment: enumInput(COMMENT_MODES, 'always'),
  'status-context': stringInput('release-safety').refine((v) => v.length <= 100 && !/[\r\n]/.test(v), {
    message: 'must be one line of at most 100 characters',
  }),
  'comment-author': stringInput('github-actions[bot]').refine((v) => /^[A-Za-z0-9][A-Za-z0-9-]{0,38}(\[bot\])?$/.test(v), {
    message: 'must be a GitHub login, e.g. github-actions[bot]',
  }),
  attach: booleanInput(false),
  'registry-username': stringInput(''),
  'registry-password': stringInput(''),
  'signing-key': stringInput(''),
  'insecure-registry': booleanInput(false),
  image: stringInput(''),
};
type Inputs = ReturnType<typeof parseInputs<typeof inputs>>;

/** Display-only fields of the event (PR title, branch): untrusted, escaped when rendered. */
const displayPayload = z
  .object({
    pull_request: z
      .object({ title: z.string().optional(), head: z.object({ ref: z.string().optional() }).passthrough().optional() })
      .passthrough()
      .optional(),
    workflow_run: z.object({ display_title: z.string().optional(), head_branch: z.string().nullable().optional() }).passthrough().optional(),
  })
  .passthrough();

function displayFields(env: NodeJS.ProcessEnv): { prTitle?: string; headRef?: string } {
  const parsed = displayPayload.safeParse(readEventPayload(env.GITHUB_EVENT_PATH));
  if (!parsed.success) return {};
  const pr = parsed.data.pull_request;
  const run = parsed.data.workflow_run;
  const prTitle = pr?.title ?? run?.display_title;
  const headRef = pr?.head?.ref ?? run?.head_branch ?? undefined;
  return { ...(prTitle !== undefined ? { prTitle } : {}), ...(headRef ? { headRef } : {}) };
}

function evidenceDir(raw: string, ctx: RunnerContext): string | undefined {
  if (raw !== '') return resolveDirectoryInput('evidence-dir', raw, { workspace: ctx.workspace, others: [ctx.runnerTemp] });
  const dir = join(ctx.runnerTemp || tmpdir(), 'release-safety', 'evidence');
  return existsSync(dir) ? dir : undefined;
}

/** The attach phase: target from the image record, push, summary section; a problem is an error, nothing pushed. */
async function attachStep(
  inputs: Inputs,
  judgement: Judgement,
  bundle: EvidenceBundle,
  prepared: { signingKey: ReturnType<typeof readSigningKey>; pin: ReturnType<typeof readImagePin> },
  found: { dir: string | undefined; ctx: RunnerContext },
): Promise<{ outcome: AttachOutcome; summary: string }> {
  const target = attachTarget(judgement.records, prepared.pin);
  if (!target.ok) {
    const outcome: AttachOutcome = { ok: false, problem: target.problem };
    return { outcome, summary: renderAttachment(outcome, undefined, inputs['insecure-registry']) };
  }
  const outcome = await core.group(`Attaching the evidence to ${target.target.registry}/${target.target.repository}@${target.target.digest}`, () =>
    attachEvidence({
      bundle,
      target: target.target,
      evidenceDir: found.dir,
      roots: { workspace: found.ctx.workspace, others: [found.ctx.runnerTemp] },
      ...(prepared.signingKey ? { signingKey: prepared.signingKey } : {}),
      username: inputs['registry-username'],
      password: inputs['registry-password'],
      insecure: inputs['insecure-registry'],
      onSecret: (v) => core.setSecret(v),
    }),
  );
  if (outcome.ok) {
    const how = outcome.signed ? 'signed (ECDSA P-256)' : 'UNSIGNED';
    core.info(`attestation ${outcome.referrerDigest} attached to ${outcome.image} via the ${outcome.via}, ${how}`);
    for (const a of outcome.supplyChain) core.info(`${a.label} ${a.referrerDigest} (from ${a.file}) attached to ${outcome.image} via the ${a.via}, ${how}`);
    for (const note of outcome.notes) core.info(note);
    if (!outcome.signed)
      core.warning('input "signing-key" is empty: the attestation was attached unsigned; a promotion that requires a public key will refuse it');
  }
  return { outcome, summary: renderAttachment(outcome, target.target, inputs['insecure-registry']) };
}

interface Outcome {
  summary: string;
  failures: string[];
}

async function report(env: NodeJS.ProcessEnv): Promise<Outcome> {
  const given = parseInputs(inputs, env);
  for (const secret of ['registry-password', 'signing-key', 'github-token'] as const) if (given[secret] !== '') core.setSecret(given[secret]);
  // Read before anything else, so a malformed key or pin stops the run before any push.
  const prepared = { signingKey: readSigningKey(given['signing-key']), pin: readImagePin(given.image) };
  if (!given.attach && prepared.signingKey) core.warning('input "signing-key" is set but "attach" is false: nothing is signed or attached');
  const ctx = buildContext(env);
  const required = given['required-gates'] as GateName[];
  const dir = evidenceDir(given['evidence-dir'], ctx);
  const files = dir ? collectRecordFiles(dir, { workspace: ctx.workspace, others: [ctx.runnerTemp] }) : [];
  core.info(`${files.length} JSON file(s) in ${dir ?? '(no evidence directory)'}`);
  const j = judgeRecords(files, { repository: ctx.repository, headSha: ctx.headSha, requiredGates: required });

  const bundle = createBundle(j.records, {
    repository: ctx.repository,
    commitSha: ctx.headSha,
    ...(j.digest ? { digest: j.digest } : {}),
    ...(j.image ? { image: clamp(j.image, 500) } : {}),
    verdict: j.verdict,
    requiredGates: required,
    reasons: j.reasons.slice(0, 200).map((r) => clamp(r, 2000)),
    run: { ...(ctx.runId ? { id: ctx.runId } : {}), ...(ctx.runAttempt ? { attempt: ctx.runAttempt } : {}), ...(ctx.runUrl ? { url: ctx.runUrl } : {}) },
  });
  const bundleDir = join(ctx.runnerTemp || tmpdir(), 'release-safety');
  mkdirSync(bundleDir, { recursive: true });
  const bundlePath = join(bundleDir, 'evidence-bundle.json');
  writeFileSync(bundlePath, serializeBundle(bundle));

  const runId = Number(ctx.runId ?? 0);
  const view: ReportView = {
    repository: ctx.repository,
    serverUrl: ctx.serverUrl,
    headSha: ctx.headSha,
    ...displayFields(env),
    ...(ctx.runUrl ? { runUrl: ctx.runUrl } : {}),
    marker: { runId: Number.isSafeInteger(runId) ? runId : 0, runAttempt: Number(ctx.runAttempt ?? 1) || 1, headSha: ctx.headSha },
    bundleSha256: bundle.sha256,
  };
  let summary = renderEvidenceSummary(j, view);
  const outputs: Record<string, string> = {
    verdict: j.verdict,
    'comment-url': '',
    'bundle-path': bundlePath,
    'bundle-sha256': bundle.sha256,
    'attestation-digest': '',
    ...supplyChainOutputs(undefined),
  };
  const failures: string[] = [];
  if (given.attach) {
    const attached = await attachStep(given, j, bundle, prepared, { dir, ctx });
    summary += attached.summary;
    if (attached.outcome.ok) Object.assign(outputs, { 'attestation-digest': attached.outcome.referrerDigest, ...supplyChainOutputs(attached.outcome) });
    else failures.push(`attach: error: ${attached.outcome.problem}`);
  }
  if (j.verdict !== 'pass')
    failures.push(`evidence: ${j.verdict}: ${j.reasons.slice(0, 3).join('; ')}${j.reasons.length > 3 ? ` (+${j.reasons.length - 3} more)` : ''}`);

  if (given['github-token'] === '') {
    core.warning('input "github-token" is empty: no commit status and no comment; the report is in the job summary');
  } else {
    const passed = j.rows.filter((r) => r.required && r.status === 'pass').length;
    const published = await publishReport({
      token: given['github-token'],
      apiUrl: ctx.apiUrl,
      repository: ctx.repository,
      headSha: ctx.headSha,
      ...(ctx.prNumber ? { prNumber: ctx.prNumber } : { prCandidates: j.records.flatMap((r) => (r.subject.prNumber ? [r.subject.prNumber] : [])) }),
      verdict: j.verdict,
      statusContext: given['status-context'],
      statusDescription: statusDescription(j.verdict, passed, required.length, j.digest),
      ...(ctx.runUrl ? { runUrl: ctx.runUrl } : {}),
      comment: { mode: given.comment as CommentMode, author: given['comment-author'], body: renderEvidenceComment(j, view), state: view.marker },
      warn: (m) => core.warning(m),
      info: (m) => core.info(m),
    });
    if (published.comment?.url) outputs['comment-url'] = published.comment.url;
    if (published.failure) failures.push(published.failure);
  }
  for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
  return { summary, failures };
}

/** Never rejects: every failure is reported on the step, the summary is written in finally. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let outcome: Outcome | undefined;
  try {
    outcome = await report(env);
    for (const f of outcome.failures) core.setFailed(f);
    if (outcome.failures.length === 0) core.info('evidence: pass');
  } catch (error) {
    const message =
      error instanceof ConfigurationError || error instanceof RegistryError
        ? error.message
        : `release-safety evidence stopped on an unexpected error (a bug; please report it): ${errorMessage(error)}`;
    if (!(error instanceof ConfigurationError || error instanceof RegistryError) && error instanceof Error && error.stack) core.debug(error.stack);
    core.setOutput('verdict', 'error');
    core.setFailed(message);
    outcome = { summary: `## ⚠️ release-safety evidence: error\n\n${md(clamp(message, 2000))}\n`, failures: [message] };
  } finally {
    if (outcome && env.GITHUB_STEP_SUMMARY) {
      try {
        await core.appendSummary(outcome.summary);
      } catch (error) {
        core.warning(`could not write the job summary: ${errorMessage(error)}`);
      }
    }
  }
}
