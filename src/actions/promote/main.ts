/**
 * The promote action: `workflow_dispatch` promotes an image digest from `from` to `to` only when
 * its evidence attestation verifies (src/promote/flow.ts). Every reference is validated before
 * any request; secrets are masked before anything uses them; the release note is the job summary,
 * written in finally; outputs are set together at the end.
 */
import { z } from 'zod';
import { loadPublicKey } from '../../attest/dsse.js';
import { buildContext, readEventPayload } from '../../core/context.js';
import { ConfigurationError, errorMessage } from '../../core/errors.js';
import { clamp, GATES, type GateName } from '../../core/evidence.js';
import { booleanInput, listInput, parseInputs, requiredString, stringInput } from '../../core/inputs.js';
import { actionsLogger, neutraliseCommands } from '../../core/log.js';
import { md } from '../../core/markdown.js';
import * as core from '../../core/runner.js';
import { createOctokit } from '../../github/octokit.js';
import { promote, type PromoteOutputs, type PromoteRequest } from '../../promote/flow.js';
import { parseExpectedDigest, parseImageInput, parseRelease, parseSource, parseTargets } from '../../promote/targets.js';
import { RegistryClient, RegistryError } from '../../registry/client.js';

/** Keys are the exact input names of actions/promote/action.yml. */
export const inputs = {
  image: requiredString('the registry/repository of the image, e.g. ghcr.io/acme/service'),
  from: stringInput('ci'),
  to: listInput(['prod']),
  'expected-digest': stringInput(''),
  'public-key': stringInput(''),
  'required-gates': listInput([...GATES]).refine((gates) => gates.every((g) => (GATES as readonly string[]).includes(g)), {
    message: `must list gates from ${GATES.join(', ')} (one a line or comma-separated)`,
  }),
  'github-token': stringInput(''),
  'registry-username': stringInput(''),
  'registry-password': stringInput(''),
  release: stringInput(''),
  deployment: booleanInput(false),
};

const OUTPUT_NAMES: readonly (keyof PromoteOutputs)[] = ['digest', 'image', 'previous-digest', 'revision', 'release-url', 'deployment-id'];

const senderPayload = z
  .object({
    sender: z
      .object({ login: z.string().max(100) })
      .passthrough()
      .optional(),
  })
  .passthrough();

/** GITHUB_ACTOR, the triggering actor when it differs, and the event's sender. */
function dispatchers(env: NodeJS.ProcessEnv): string[] {
  const names = [env.GITHUB_ACTOR, env.GITHUB_TRIGGERING_ACTOR];
  const parsed = senderPayload.safeParse(readEventPayload(env.GITHUB_EVENT_PATH));
  if (parsed.success && parsed.data.sender) names.push(parsed.data.sender.login);
  return [...new Set(names.filter((n): n is string => typeof n === 'string' && /^[A-Za-z0-9][A-Za-z0-9-]{0,38}(\[bot\])?$/.test(n)))];
}

/** Inputs to a request, all validated before the first request is made. */
async function buildRequest(env: NodeJS.ProcessEnv): Promise<PromoteRequest> {
  const given = parseInputs(inputs, env);
  for (const secret of ['registry-password', 'github-token'] as const) if (given[secret] !== '') core.setSecret(given[secret]);
  const image = parseImageInput(given.image);
  const source = parseSource(given.from);
  const targets = parseTargets(given.to, image);
  const expectedDigest = parseExpectedDigest(given['expected-digest']);
  const release = parseRelease(given.release);
  const ctx = buildContext(env);
  if (source.kind === 'tag' && targets.some((t) => t.repository === image.repository && t.tag === source.tag)) {
    throw new ConfigurationError(`input "to" names ${source.tag}, which is also "from": promote to another tag`);
  }
  if ((given['registry-username'] === '') !== (given['registry-password'] === '')) {
    throw new ConfigurationError('inputs "registry-username" and "registry-password" go together: set both or neither');
  }
  if ((release || given.deployment) && given['github-token'] === '') {
    throw new ConfigurationError(
      `input "github-token" is empty, but ${release ? 'release' : 'deployment'} needs it (contents: write for a release, deployments: write for a deployment)`,
    );
  }
  const publicKey = given['public-key'] !== '' ? loadPublicKey(given['public-key'], 'public-key') : undefined;
  const client = new RegistryClient({
    registry: image.registry,
    ...(given['registry-username'] !== '' ? { credentials: { username: given['registry-username'], password: given['registry-password'] } } : {}),
    onSecret: (value) => core.setSecret(value),
  });
  const log = actionsLogger();
  return {
    client,
    image,
    source,
    targets,
    ...(expectedDigest ? { expectedDigest } : {}),
    ...(publicKey ? { publicKey } : {}),
    requiredGates: given['required-gates'] as GateName[],
    ...(given['github-token'] !== '' ? { github: await createOctokit({ token: given['github-token'], apiUrl: ctx.apiUrl, warn: (m) => log.warning(m) }) } : {}),
    repository: ctx.repository,
    serverUrl: ctx.serverUrl,
    ...(ctx.runUrl ? { runUrl: ctx.runUrl } : {}),
    dispatchedBy: dispatchers(env),
    ...(release ? { release } : {}),
    deployment: given.deployment,
    log: { info: (l) => log.info(l), warning: (l) => log.warning(l) },
  };
}

function failureMessage(error: unknown): string {
  if (error instanceof ConfigurationError) return error.message;
  if (error instanceof RegistryError) return `promote: error: ${error.message}`;
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number') return `promote: error: the GitHub API answered HTTP ${status}: ${errorMessage(error)}`;
  return `release-safety promote stopped on an unexpected error (a bug; please report it): ${errorMessage(error)}`;
}

/** Never rejects: every failure is reported on the step, the summary is written in finally. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  let summary = '';
  const outputs: Record<string, string> = Object.fromEntries(OUTPUT_NAMES.map((n) => [n, '']));
  try {
    const request = await buildRequest(env);
    const outcome = await promote(request);
    summary = outcome.note;
    if (outcome.ok) {
      Object.assign(outputs, outcome.outputs);
      core.info(`promote: pass: ${outcome.outputs.image} under ${request.targets.map((t) => `${t.repository}:${t.tag}`).join(', ')}`);
    } else {
      if (outcome.digest) outputs.digest = outcome.digest;
      // The reasons quote attested record summaries: untrusted text, neutralised for the log.
      core.setFailed(neutraliseCommands(`promote: refused: ${clamp(outcome.reasons.join('; '), 3000)}`));
    }
  } catch (error) {
    const message = failureMessage(error);
    if (!(error instanceof ConfigurationError) && !(error instanceof RegistryError) && error instanceof Error && error.stack) core.debug(error.stack);
    core.setFailed(neutraliseCommands(message));
    summary = `## ⚠️ release-safety promote: error\n\n${md(clamp(message, 2000))}\n\nNothing was retagged unless the log above says so.\n`;
  } finally {
    for (const [name, value] of Object.entries(outputs)) core.setOutput(name, value);
    if (summary && env.GITHUB_STEP_SUMMARY) {
      try {
        await core.appendSummary(summary);
      } catch (error) {
        core.warning(`could not write the job summary: ${errorMessage(error)}`);
      }
    }
  }
}
