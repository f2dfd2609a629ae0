/**
 * The release note of a promotion (the job summary, and the GitHub release body): what was
 * promoted (digest and per-platform digests), the commit, the gates table and alert evidence from
 * the attestation (the evidence report's own renderers), who dispatched, how to verify by hand,
 * and how to roll back. A refusal renders the criteria and the reasons. Pure; every string from
 * the registry, the attestation or the event goes through md/code.
 */
import { PREDICATE_TYPE } from '../attest/statement.js';
import { code, codeBlock, link, md, table } from '../core/markdown.js';
import { alertRows } from '../report/alerts.js';
import { gateTable } from '../report/comment.js';
import { judgeRecords } from '../report/judge.js';
import { clamp } from '../report/text.js';
import type { EvidenceBundle } from '../core/bundle.js';
import type { GateName } from '../core/evidence.js';

export interface PlatformDigest {
  platform: string;
  digest: string;
}

export interface NoteView {
  image: string;
  digest: string;
  platforms: PlatformDigest[];
  targets: { reference: string; previousDigest?: string }[];
  revision?: string;
  repository: string;
  serverUrl: string;
  runUrl?: string;
  dispatchedBy: string[];
  signed: boolean;
  witness?: string;
  bundle?: EvidenceBundle;
  requiredGates: readonly GateName[];
  criteria: string[];
  lookups: string[];
  referrerDigest?: string;
  previousDigest?: string;
}

/** The platforms of an index (os/arch[/variant] -> child digest); a single image has none listed. Pure. */
export function platformDigests(manifestBytes: Buffer): PlatformDigest[] {
  let parsed: { manifests?: { digest?: unknown; platform?: { os?: unknown; architecture?: unknown; variant?: unknown } }[] };
  try {
    parsed = JSON.parse(manifestBytes.toString('utf8')) as typeof parsed;
  } catch {
    return [];
  }
  return (parsed.manifests ?? []).flatMap((m) => {
    if (typeof m.digest !== 'string') return [];
    const p = m.platform;
    const platform = [p?.os, p?.architecture, p?.variant].filter((x): x is string => typeof x === 'string' && x !== '').join('/') || 'unknown';
    return [{ platform, digest: m.digest }];
  });
}

function gatesSection(bundle: EvidenceBundle, required: readonly GateName[]): string[] {
  const files = bundle.records.map((e) => ({ path: `${e.record.gate}.json`, text: JSON.stringify(e.record) }));
  const j = judgeRecords(files, { repository: bundle.repository, headSha: bundle.commitSha, requiredGates: required });
  const parts = ['### Gates (from the attestation)', '', gateTable(j.rows)];
  const alerts = alertRows(j.records);
  if (alerts.length > 0)
    parts.push('', '### Alert evidence', '', table(['alert', 'severity', 'fires in rule test', 'silent in rule test', 'live drill'], alerts));
  return parts;
}

function verifyByHand(view: NoteView): string[] {
  const ref = `${view.image}@${view.digest}`;
  return [
    '### Verify by hand',
    '',
    codeBlock(
      [
        `# the digest: sha256 of the exact manifest bytes`,
        `skopeo inspect --raw docker://${ref} | sha256sum`,
        `# the attestation: found by digest, signature checked with the public key`,
        `npx release-safety verify ${ref} --key pub.pem`,
        `# with cosign`,
        `cosign verify-attestation --key pub.pem --type ${PREDICATE_TYPE} ${ref}`,
      ].join('\n'),
      'sh',
    ),
  ];
}

function listSection(title: string, lines: readonly string[]): string[] {
  return [title, '', ...lines.map((l) => `- ${md(clamp(l, 600))}`)];
}

export function renderPromotionNote(view: NoteView): string {
  const parts: string[] = [`## ✅ promoted ${code(view.image)}`, ''];
  parts.push(`- digest: ${code(view.digest)}`);
  for (const p of view.platforms) parts.push(`  - ${md(p.platform)}: ${code(p.digest)}`);
  parts.push(`- now under: ${view.targets.map((t) => `${code(t.reference)} (previously ${t.previousDigest ? code(t.previousDigest) : 'unset'})`).join(', ')}`);
  if (view.revision) parts.push(`- commit: ${link(view.revision, `${view.serverUrl}/${view.repository}/commit/${view.revision}`)}`);
  if (view.bundle)
    parts.push(`- evidence bundle: ${code(view.bundle.sha256)}${view.bundle.run?.url ? ` from ${link('the pull request run', view.bundle.run.url)}` : ''}`);
  if (view.referrerDigest) parts.push(`- attestation: ${code(view.referrerDigest)} (${view.signed ? 'signed, verified with public-key' : 'UNSIGNED'})`);
  parts.push(
    `- dispatched by: ${view.dispatchedBy.length > 0 ? view.dispatchedBy.map((d) => code(d)).join(', ') : 'unknown'}${view.runUrl ? ` in ${link('this run', view.runUrl)}` : ''}`,
  );
  if (!view.signed) {
    parts.push(
      '',
      `> ⚠️ The attestation is unsigned (no public-key given): it was accepted because the commit status agrees (${md(view.witness ?? '')}). Anyone who can push a commit status could forge that; set public-key to require a signature.`,
    );
  }
  if (view.bundle) parts.push('', ...gatesSection(view.bundle, view.requiredGates));
  parts.push('', ...listSection('### Criteria enforced', view.criteria), '', ...listSection('### Attestation lookups', view.lookups));
  parts.push('', ...verifyByHand(view));
  parts.push('', '### Rollback', '');
  parts.push(
    view.previousDigest
      ? `Dispatch this workflow with ${code('from')} = ${code(view.previousDigest)} (the previous digest). It is promoted only if that digest itself carries passing evidence.`
      : 'There was no previous digest under the target: nothing to roll back to.',
  );
  return `${parts.join('\n')}\n`;
}

export function renderRefusalNote(args: {
  image: string;
  from: string;
  digest?: string;
  reasons: readonly string[];
  criteria: readonly string[];
  lookups: readonly string[];
  unchanged: readonly string[];
}): string {
  const parts = [`## ❌ promotion refused: ${code(args.image)}`, ''];
  parts.push(`- from: ${code(args.from)}${args.digest ? ` = ${code(args.digest)}` : ''}`);
  if (args.unchanged.length > 0) parts.push(`- unchanged: ${args.unchanged.map((u) => code(u)).join(', ')}`);
  parts.push('', ...listSection('### Why', args.reasons));
  if (args.criteria.length > 0) parts.push('', ...listSection('### Criteria enforced', args.criteria));
  if (args.lookups.length > 0) parts.push('', ...listSection('### Attestation lookups', args.lookups));
  return `${parts.join('\n')}\n`;
}
