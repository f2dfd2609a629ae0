/** Verifying a stored DSSE envelope the way a user can by hand: openssl over PAE(type, payload). */
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchDir } from '../../src/local/scratch.js';

export interface StoredEnvelope {
  dsseEnvelope: { payload: string; payloadType: string; signatures: { sig: string }[] };
}

/** openssl, given only the stored bundle and the public key: rebuilds PAE(type, payload) and checks the DER signature. */
export function opensslVerifies(bundle: StoredEnvelope, publicPem: string): string {
  const dir = scratchDir('rs-openssl-');
  try {
    const env = bundle.dsseEnvelope;
    const payload = Buffer.from(env.payload, 'base64');
    const type = Buffer.from(env.payloadType);
    writeFileSync(join(dir, 'pae.bin'), Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]));
    writeFileSync(join(dir, 'sig.der'), Buffer.from(env.signatures[0]!.sig, 'base64'));
    writeFileSync(join(dir, 'pub.pem'), publicPem);
    const r = spawnSync('openssl', ['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), '-signature', join(dir, 'sig.der'), join(dir, 'pae.bin')], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    return (r.stdout + r.stderr).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
