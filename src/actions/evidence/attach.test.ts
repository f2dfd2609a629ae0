import { describe, expect, it } from 'vitest';
import { record } from '../../../test/e2e/promote-fixtures.js';
import { attachTarget, readImagePin, readSigningKey } from './attach.js';
import type { Evidence } from '../../core/evidence.js';

const sha = 'a'.repeat(40);
const digest = `sha256:${'b'.repeat(64)}`;

function withImage(details: Record<string, unknown>): Evidence[] {
  const image = record('image', sha, { digest });
  image.details = { ...image.details, image: '127.0.0.1:5000/acme/app', ref: `127.0.0.1:5000/acme/app@${digest}`, ...details };
  return [record('lint', sha), image];
}

describe('attachTarget: where the attestation may go', () => {
  const cases: [string, Evidence[], string | undefined, RegExp | { registry: string; repository: string; digest: string; named: Record<string, unknown> }][] = [
    ['a pushed, verified image record', withImage({}), undefined, { registry: '127.0.0.1:5000', repository: 'acme/app', digest, named: {} }],
    ['pinned to the same repository', withImage({}), '127.0.0.1:5000/acme/app', { registry: '127.0.0.1:5000', repository: 'acme/app', digest, named: {} }],
    [
      'naming its provenance and SBOM',
      withImage({
        provenance: { path: '/x/image.provenance.json', sha256: 'c'.repeat(64), predicateType: 'https://slsa.dev/provenance/v1' },
        sbom: { path: '/x/image.sbom.cdx.json', sha256: 'd'.repeat(64), format: 'CycloneDX 1.6 JSON', components: 3 },
      }),
      undefined,
      { registry: '127.0.0.1:5000', repository: 'acme/app', digest, named: { provenance: { sha256: 'c'.repeat(64) }, sbom: { sha256: 'd'.repeat(64) } } },
    ],
    ['no image record', [record('lint', sha)], undefined, /no valid image record/],
    ['not pushed', withImage({ pushed: false }), undefined, /not pushed and verified/],
    ['an empty digest', withImage({ digest: '', ref: '' }), undefined, /not pushed|not sha256/],
    ['a short digest', withImage({ digest: 'sha256:12', ref: '127.0.0.1:5000/acme/app@sha256:12' }), undefined, /field "details.digest" sha256:<64 hex>/],
    ['a ref naming another image', withImage({ ref: `evil.example/x@${digest}` }), undefined, /contradicts itself/],
    ['an invalid image name', withImage({ image: 'Acme/UPPER', ref: '' }), undefined, /invalid repository component/],
    ['details missing a field', withImage({ builder: undefined }), undefined, /cannot be read: field "details.builder"/],
    ['pinned to another repository', withImage({}), '127.0.0.1:5000/acme/other', /not 127\.0\.0\.1:5000\/acme\/other \(input "image"\)/],
    ['pinned to another registry', withImage({}), 'ghcr.io/acme/app', /not ghcr\.io\/acme\/app/],
  ];
  it.each(cases)('%s', (_name, records, pin, expected) => {
    const result = attachTarget(records, readImagePin(pin ?? ''));
    if (expected instanceof RegExp) {
      expect(result.ok).toBe(false);
      expect(result.ok ? '' : result.problem).toMatch(expected);
    } else expect(result).toEqual({ ok: true, target: expected });
  });
});

describe('inputs read before any push', () => {
  it('a malformed image pin names the input', () => {
    expect(() => readImagePin('ghcr.io/acme/app:latest')).toThrow(/input "image" must not contain a tag/);
  });
  it('an empty signing key is unsigned; a bad one names the input and never echoes the text', () => {
    expect(readSigningKey('  \n')).toBeUndefined();
    const secret = 'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRET';
    expect(() => readSigningKey(`-----BEGIN PRIVATE KEY-----\n${secret}\n-----END PRIVATE KEY-----`)).toThrow(/input "signing-key" is not a PEM private key/);
    try {
      readSigningKey(`-----BEGIN PRIVATE KEY-----\n${secret}\n-----END PRIVATE KEY-----`);
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });
});
