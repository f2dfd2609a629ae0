/**
 * How a user verifies an attached attestation by hand, without this suite: the shell lines the
 * evidence action prints into its job summary (and the README shows). They use skopeo, jq and
 * openssl, which need no trust in this code; and `cosign verify-attestation` for users who have
 * cosign. Every value interpolated here is validated (registry/repository by the OCI grammar, the
 * digest as sha256:<hex>), so the lines are safe to paste.
 */
import { DIGEST_PATTERN, parseImageName } from '../registry/reference.js';
import { referrersTag } from './referrer.js';
import { IN_TOTO_PAYLOAD_TYPE, PREDICATE_TYPE } from './statement.js';

export interface ManualTarget {
  /** registry/repository, no tag, no digest. */
  image: string;
  /** The image digest the attestation refers to. */
  digest: string;
  /** The referrer manifest's digest (the attestation-digest output). */
  referrerDigest: string;
  /** True: plain http (a loopback or insecure registry): skopeo gets --tls-verify=false. */
  plainHttp?: boolean;
}

/**
 * Shell lines (bash) that fetch the stored Sigstore bundle, rebuild the DSSE pre-authentication
 * encoding from its payload and check the ECDSA signature with openssl against pub.pem.
 */
export function manualVerificationScript(t: ManualTarget): string {
  const { registry, repository } = parseImageName(t.image);
  for (const d of [t.digest, t.referrerDigest]) if (!DIGEST_PATTERN.test(d)) throw new Error(`not a sha256 digest: ${JSON.stringify(d)}`);
  const image = `${registry}/${repository}`;
  const tls = t.plainHttp ? ' --tls-verify=false' : '';
  return [
    '# the referrers of the image digest (registries without the referrers API keep them under this tag)',
    `skopeo inspect${tls} --raw docker://${image}:${referrersTag(t.digest)} | jq .manifests`,
    '# the attestation: an OCI manifest whose one layer is the Sigstore bundle',
    `skopeo copy${tls} docker://${image}@${t.referrerDigest} dir:attestation`,
    `layer=$(jq -r '.layers[0].digest' attestation/manifest.json | cut -d: -f2)`,
    'cp "attestation/$layer" bundle.json',
    '# DSSE: the signature is over PAE(payloadType, payload), ECDSA P-256 / SHA-256, DER',
    'jq -r .dsseEnvelope.payload bundle.json | base64 -d > statement.json',
    "jq -r '.dsseEnvelope.signatures[0].sig' bundle.json | base64 -d > sig.der",
    `type='${IN_TOTO_PAYLOAD_TYPE}'`,
    `{ printf 'DSSEv1 %d %s %d ' "\${#type}" "$type" "$(stat -c %s statement.json)"; cat statement.json; } > pae.bin`,
    'openssl dgst -sha256 -verify pub.pem -signature sig.der pae.bin',
    '# what it attests: the image digest and the verdict of the evidence bundle',
    `jq -r '.subject[0].digest.sha256, .predicateType, .predicate.verdict' statement.json`,
  ].join('\n');
}

/**
 * The same check with cosign (no transparency log: the key is the trust root); `predicateType`
 * selects which attestation (the evidence by default, or the provenance or SBOM beside it).
 */
export function cosignCommand(image: string, digest: string, predicateType: string = PREDICATE_TYPE): string {
  const { registry, repository } = parseImageName(image);
  if (!DIGEST_PATTERN.test(digest)) throw new Error(`not a sha256 digest: ${JSON.stringify(digest)}`);
  if (!/^https:\/\/[A-Za-z0-9./_-]+$/.test(predicateType)) throw new Error(`not a predicate type URI: ${JSON.stringify(predicateType)}`);
  return `cosign verify-attestation --key pub.pem --type ${predicateType} --insecure-ignore-tlog=true ${registry}/${repository}@${digest}`;
}
