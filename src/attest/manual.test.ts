import { describe, expect, it } from 'vitest';
import { cosignCommand, manualVerificationScript } from './manual.js';

const digest = `sha256:${'a'.repeat(64)}`;
const referrer = `sha256:${'b'.repeat(64)}`;

describe('by-hand verification lines', () => {
  it('name the tag index, the referrer and the predicate type; plain http only when asked', () => {
    const script = manualVerificationScript({ image: 'ghcr.io/acme/app', digest, referrerDigest: referrer });
    expect(script).toContain(`skopeo inspect --raw docker://ghcr.io/acme/app:sha256-${'a'.repeat(64)}`);
    expect(script).toContain(`skopeo copy docker://ghcr.io/acme/app@${referrer} dir:attestation`);
    expect(script).toContain('openssl dgst -sha256 -verify pub.pem -signature sig.der pae.bin');
    expect(manualVerificationScript({ image: '127.0.0.1:5000/acme/app', digest, referrerDigest: referrer, plainHttp: true })).toContain(
      'skopeo inspect --tls-verify=false',
    );
    expect(cosignCommand('ghcr.io/acme/app', digest)).toBe(
      `cosign verify-attestation --key pub.pem --type https://release-safety.dev/evidence-bundle/v1 --insecure-ignore-tlog=true ghcr.io/acme/app@${digest}`,
    );
  });
  it('refuse names and digests that could carry shell text', () => {
    expect(() => manualVerificationScript({ image: 'ghcr.io/acme/app;id', digest, referrerDigest: referrer })).toThrow();
    expect(() => manualVerificationScript({ image: 'ghcr.io/acme/app', digest: 'sha256:$(id)', referrerDigest: referrer })).toThrow(/not a sha256 digest/);
    expect(() => cosignCommand('ghcr.io/acme/app', 'latest')).toThrow(/not a sha256 digest/);
  });
});
