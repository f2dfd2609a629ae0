/**
 * `release-safety verify <registry/repository@sha256:...> --key pub.pem`: finds the image's
 * evidence attestation (referrers API, then the sha256-<hex> tag index), verifies it with the key
 * given, prints every criterion enforced and then the verdict. Exit 0 verified, 1 refused, 2 usage.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadPublicKey } from '../attest/dsse.js';
import { verifyImageEvidence } from '../attest/verify.js';
import { ConfigurationError } from '../core/errors.js';
import { GATES, type GateName } from '../core/evidence.js';
import { RegistryClient } from '../registry/client.js';
import { parseImageName } from '../registry/reference.js';

function parseTarget(value: string | undefined): { registry: string; repository: string; digest: string } {
  const m = /^(.+)@(sha256:[0-9a-f]{64})$/.exec(value ?? '');
  if (!m) throw new ConfigurationError(`give the image by digest: registry/repository@sha256:<64 hex> (got ${JSON.stringify(value ?? '')})`);
  try {
    const name = parseImageName(m[1]!);
    return { ...name, digest: m[2]! };
  } catch (error) {
    throw new ConfigurationError(`the image ${JSON.stringify(m[1])} ${(error as Error).message}`);
  }
}

function requiredGates(value: string | undefined): GateName[] {
  if (value === undefined) return [...GATES];
  const gates = value
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  for (const gate of gates)
    if (!(GATES as readonly string[]).includes(gate))
      throw new ConfigurationError(`--required-gates names "${gate}", which is not a gate: ${GATES.join(', ')}`);
  return gates as GateName[];
}

export async function verifyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { key: { type: 'string' }, 'required-gates': { type: 'string' }, 'insecure-registry': { type: 'boolean' } },
    strict: true,
  });
  const target = parseTarget(positionals[0]);
  if (!values.key)
    throw new ConfigurationError('--key is required: the PEM public key the attestation must be signed with (an unsigned attestation is never accepted here)');
  let pem: string;
  try {
    pem = readFileSync(values.key, 'utf8');
  } catch (error) {
    throw new ConfigurationError(`--key ${values.key} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const publicKey = loadPublicKey(pem, '--key');
  const client = new RegistryClient({ registry: target.registry, ...(values['insecure-registry'] ? { insecure: true } : {}) });
  const result = await verifyImageEvidence({
    client,
    repository: target.repository,
    digest: target.digest,
    publicKey,
    requiredGates: requiredGates(values['required-gates']),
  });
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`image     ${target.registry}/${target.repository}@${target.digest}`);
  out('criteria enforced:');
  for (const c of result.criteria) out(`  - ${c}`);
  out('lookups:');
  for (const l of result.lookups) out(`  - ${l}`);
  if (result.ok) {
    out(
      `verified: attestation ${result.attestation?.referrerDigest ?? ''}, signed, commit ${result.revision ?? result.attestation?.bundle.commitSha ?? ''}, bundle ${result.attestation?.bundle.sha256 ?? ''}`,
    );
    return 0;
  }
  out('REFUSED:');
  for (const r of result.reasons) out(`  - ${r}`);
  return 1;
}
