import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../local/scratch.js';
import { collectRecordFiles } from './collect.js';

describe('collectRecordFiles', () => {
  it('reads every JSON file as a candidate record except the image gate’s provenance and SBOM', () => {
    const dir = scratchDir('rs-collect-');
    mkdirSync(join(dir, 'image-artifact'));
    writeFileSync(join(dir, 'lint.json'), '{}');
    writeFileSync(join(dir, 'image-artifact', 'image.json'), '{}');
    writeFileSync(join(dir, 'image-artifact', 'image.provenance.json'), '{"_type":"https://in-toto.io/Statement/v1"}');
    writeFileSync(join(dir, 'image-artifact', 'image.sbom.cdx.json'), '{"bomFormat":"CycloneDX"}');
    // Only the exact suffixes are skipped: a file that merely mentions them is still read (and judged).
    writeFileSync(join(dir, 'provenance.json.bak.json'), '{}');
    const found = collectRecordFiles(dir, { workspace: dir })
      .map((f) => f.path)
      .sort();
    expect(found).toEqual(['image-artifact/image.json', 'lint.json', 'provenance.json.bak.json']);
  });
});
