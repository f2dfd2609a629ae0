import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleFromJSON } from '@sigstore/bundle';
import { toSignedEntity, toTrustMaterial, Verifier } from '@sigstore/verify';
import { describe, expect, it } from 'vitest';
import { evidenceBundle } from '../../test/e2e/promote-fixtures.js';
import { scratchDir } from '../local/scratch.js';
import { buildAttestation } from './attach.js';
import { decodeBase64, keyHint, preAuthEncoding, verifyEnvelope, type DsseEnvelope } from './dsse.js';
import { parseEvidenceStatement } from './statement.js';

const digest = `sha256:${'ab'.repeat(32)}`;
const sha = 'c'.repeat(40);

describe('DSSE PAE', () => {
  it('is the protocol v1 encoding, lengths in bytes', () => {
    expect(preAuthEncoding('http://example.com/HelloWorld', Buffer.from('hello world')).toString()).toBe(
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    );
    expect(preAuthEncoding('t', Buffer.from('é')).toString()).toBe('DSSEv1 1 t 2 é');
  });
});

describe('attestation signatures, checked independently', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const { envelope, bundleBytes } = buildAttestation('127.0.0.1:5000/acme/service', digest, evidenceBundle(digest, sha), privateKey);

  it('openssl verifies the signature over the PAE bytes', () => {
    const dir = scratchDir('rs-dsse-');
    try {
      writeFileSync(join(dir, 'pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
      writeFileSync(join(dir, 'pae.bin'), preAuthEncoding(envelope.payloadType, decodeBase64(envelope.payload, 'payload')));
      writeFileSync(join(dir, 'sig.der'), decodeBase64(envelope.signatures[0]!.sig, 'sig'));
      const out = execFileSync('openssl', ['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig.der'), join(dir, 'pae.bin')], {
        encoding: 'utf8',
      });
      expect(out.trim()).toBe('Verified OK');
      writeFileSync(join(dir, 'pae.bin'), Buffer.concat([preAuthEncoding(envelope.payloadType, decodeBase64(envelope.payload, 'payload')), Buffer.from(' ')]));
      expect(() =>
        execFileSync('openssl', ['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig.der'), join(dir, 'pae.bin')], {
          stdio: 'pipe',
        }),
      ).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('@sigstore/verify accepts the key-only bundle with the public key, and rejects another key', () => {
    const root = {
      mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
      tlogs: [],
      ctlogs: [],
      certificateAuthorities: [],
      timestampAuthorities: [],
    };
    const verifierFor = (key: typeof publicKey) =>
      new Verifier(
        toTrustMaterial(root as never, () => ({ publicKey: key, validFor: () => true })),
        { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 },
      );
    const entity = toSignedEntity(bundleFromJSON(JSON.parse(bundleBytes.toString('utf8'))), undefined);
    expect(verifierFor(publicKey).verify(entity)).toMatchObject({ key: publicKey });
    expect(() => verifierFor(other.publicKey).verify(entity)).toThrow(/signature verification failed/);
  });

  it('verifyEnvelope: the key, not the key id, decides; altered payloads and unsigned envelopes fail', () => {
    expect(verifyEnvelope(envelope, publicKey)).toEqual({ ok: true, keyid: keyHint(publicKey) });
    expect(verifyEnvelope(envelope, other.publicKey).ok).toBe(false);
    const statement = JSON.parse(decodeBase64(envelope.payload, 'p').toString()) as { subject: { digest: { sha256: string } }[] };
    statement.subject[0]!.digest.sha256 = 'cd'.repeat(32);
    const altered: DsseEnvelope = { ...envelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') };
    expect(verifyEnvelope(altered, publicKey)).toMatchObject({ ok: false, reason: /altered after signing/ });
    expect(verifyEnvelope({ ...envelope, signatures: [] }, publicKey)).toMatchObject({ ok: false, reason: /unsigned/ });
    const urlSafe: DsseEnvelope = {
      ...envelope,
      payload: Buffer.from(decodeBase64(envelope.payload, 'p')).toString('base64url'),
      signatures: envelope.signatures.map((s) => ({ ...s, sig: Buffer.from(decodeBase64(s.sig, 's')).toString('base64url') })),
    };
    expect(verifyEnvelope(urlSafe, publicKey).ok).toBe(true);
  });

  it('the statement round-trips: subject digest, predicate type, bundle hashes re-verified', () => {
    const { statement, bundle } = parseEvidenceStatement(decodeBase64(envelope.payload, 'p'), 'test');
    expect(statement.subject[0]!.digest.sha256).toBe(digest.slice(7));
    expect(bundle.commitSha).toBe(sha);
    const tampered = JSON.parse(decodeBase64(envelope.payload, 'p').toString()) as { predicate: { verdict: string } };
    tampered.predicate.verdict = 'fail';
    expect(() => parseEvidenceStatement(Buffer.from(JSON.stringify(tampered)), 'test')).toThrow(/altered/);
  });
});
