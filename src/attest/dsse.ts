/**
 * DSSE envelopes (https://github.com/secure-systems-lab/dsse, protocol v1): the signature is over
 * the pre-authentication encoding PAE(type, body), never over the JSON or the base64. ECDSA P-256
 * with SHA-256, DER-encoded signatures (what cosign and openssl produce and read).
 */
import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { ConfigurationError } from '../core/errors.js';

export interface DsseSignature {
  /** A hint only: which key signed. Never trusted: verification uses the key the caller gives. */
  keyid: string;
  sig: string;
}

export interface DsseEnvelope {
  payloadType: string;
  /** Standard base64 of the payload bytes. */
  payload: string;
  signatures: DsseSignature[];
}

// Standard and URL-safe base64, with or without padding, are both accepted on read (the spec allows either).
const base64Text = z
  .string()
  .max(16 * 1024 * 1024)
  .regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'base64 (standard or URL-safe)');

export const envelopeSchema = z.object({
  payloadType: z.string().min(1).max(200),
  payload: base64Text,
  signatures: z.array(z.object({ keyid: z.string().max(500).optional().default(''), sig: base64Text })).max(16),
});

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in ASCII decimal bytes. */
export function preAuthEncoding(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `, 'utf8'), type, Buffer.from(` ${payload.length} `, 'utf8'), payload]);
}

export function decodeBase64(text: string, what: string): Buffer {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) throw new ConfigurationError(`${what} is not base64`);
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** Reads a PKCS#8 (or SEC1) PEM private key and insists on ECDSA P-256. */
export function loadSigningKey(pem: string, input = 'signing-key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new ConfigurationError(
      `input "${input}" is not a PEM private key: expected a PKCS#8 ECDSA P-256 key (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)`,
    );
  }
  assertP256(key, input);
  return key;
}

/** Reads a PEM public key (SPKI) and insists on ECDSA P-256. */
export function loadPublicKey(pem: string, input = 'public-key'): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new ConfigurationError(`input "${input}" is not a PEM public key: expected an ECDSA P-256 "BEGIN PUBLIC KEY" block`);
  }
  assertP256(key, input);
  return key;
}

function assertP256(key: KeyObject, input: string): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ConfigurationError(
      `input "${input}" is a ${key.asymmetricKeyType ?? 'unknown'} key${key.asymmetricKeyDetails?.namedCurve ? ` on ${key.asymmetricKeyDetails.namedCurve}` : ''}: expected ECDSA P-256`,
    );
  }
}

/** The key hint: hex sha256 of the public key's DER SubjectPublicKeyInfo. */
export function keyHint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

export function publicKeyPem(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'pem' }).toString();
}

/** An envelope over payload; signed when a key is given, with no signatures otherwise. */
export function createEnvelope(payloadType: string, payload: Buffer, key?: KeyObject): DsseEnvelope {
  const signatures = key ? [{ keyid: keyHint(key), sig: sign('sha256', preAuthEncoding(payloadType, payload), key).toString('base64') }] : [];
  return { payloadType, payload: payload.toString('base64'), signatures };
}

export type SignatureCheck = { ok: true; keyid: string } | { ok: false; reason: string };

/**
 * True when at least one signature verifies with `key` over PAE(type, payload). Key ids are not
 * used to pick or skip signatures: every signature is tried against the given key.
 */
export function verifyEnvelope(envelope: DsseEnvelope, key: KeyObject): SignatureCheck {
  if (envelope.signatures.length === 0) return { ok: false, reason: 'the attestation is unsigned (its DSSE envelope has no signatures)' };
  const pae = preAuthEncoding(envelope.payloadType, decodeBase64(envelope.payload, 'the DSSE payload'));
  for (const s of envelope.signatures) {
    const sig = decodeBase64(s.sig, 'a DSSE signature');
    let good = false;
    try {
      good = verify('sha256', pae, key, sig);
    } catch {
      good = false;
    }
    if (good) return { ok: true, keyid: s.keyid };
  }
  return {
    ok: false,
    reason: `none of the ${envelope.signatures.length} signature(s) verifies with the given public key over the DSSE PAE of the payload: signed by another key, or altered after signing`,
  };
}
