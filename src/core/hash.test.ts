import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../local/scratch.js';
import { sha256Digest, sha256FileSync, sha256Hex, sha256OfFile } from './hash.js';

// The sha256 of "abc" from FIPS 180-2, appendix B.1.
const ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

describe('sha256 helpers', () => {
  it('hash strings and bytes alike, as hex and as an OCI digest', () => {
    expect(sha256Hex('abc')).toBe(ABC);
    expect(sha256Hex(Buffer.from('abc'))).toBe(ABC);
    expect(sha256Digest('abc')).toBe(`sha256:${ABC}`);
  });

  it('hash a file the same way, read whole or streamed', async () => {
    const dir = scratchDir('rs-hash-');
    try {
      writeFileSync(join(dir, 'f'), 'abc');
      expect(sha256FileSync(join(dir, 'f'))).toBe(ABC);
      expect(await sha256OfFile(join(dir, 'f'))).toBe(ABC);
      await expect(sha256OfFile(join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
