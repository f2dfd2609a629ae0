import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratchDir } from '../local/scratch.js';
import { checkProvenance, readSupplyChain, sbomStatementPayload, selectNamed, PROVENANCE_PREDICATE_TYPE, SBOM_PREDICATE_TYPE } from './supply-chain.js';

const NAME = '127.0.0.1:5000/acme/app';
const DIGEST = `sha256:${'b'.repeat(64)}`;
const OTHER = `sha256:${'c'.repeat(64)}`;
const subject = { name: NAME, digest: DIGEST };
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function provenance(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: NAME, digest: { sha256: DIGEST.slice(7) } }],
    predicateType: PROVENANCE_PREDICATE_TYPE,
    predicate: {
      buildDefinition: { buildType: 'https://release-safety.dev/image-build/v1', externalParameters: {} },
      runDetails: { builder: { id: 'https://example/run/1' } },
    },
    ...over,
  };
}
const bom = (over: Record<string, unknown> = {}) => ({
  bomFormat: 'CycloneDX',
  specVersion: '1.6',
  components: [{ type: 'library', name: 'prom-client', version: '15.1.3' }],
  ...over,
});
const bytes = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('checkProvenance', () => {
  const cases: [string, Buffer, RegExp | undefined][] = [
    ['the statement the image gate writes', bytes(provenance()), undefined],
    ['not JSON', Buffer.from('{nope'), /p\.json is not JSON: expected an in-toto Statement v1/],
    ['not a statement', bytes({ hello: 1 }), /p\.json is not an in-toto Statement v1: field "_type"/],
    [
      'another predicate type',
      bytes(provenance({ predicateType: 'https://slsa.dev/provenance/v0.2' })),
      /predicateType "https:\/\/slsa\.dev\/provenance\/v0\.2", not https:\/\/slsa\.dev\/provenance\/v1/,
    ],
    [
      'a predicate without buildDefinition',
      bytes(provenance({ predicate: { runDetails: { builder: { id: 'x' } } } })),
      /not SLSA v1 provenance: predicate field "buildDefinition"/,
    ],
    [
      'about another digest',
      bytes(provenance({ subject: [{ name: NAME, digest: { sha256: OTHER.slice(7) } }] })),
      new RegExp(`about ${NAME.replace(/\./g, '\\.')}@${OTHER}, not the image`),
    ],
    [
      'about another image name',
      bytes(provenance({ subject: [{ name: 'evil.example/app', digest: { sha256: DIGEST.slice(7) } }] })),
      /about evil\.example\/app@sha256:b+, not the image/,
    ],
    [
      'the image and another digest',
      bytes(
        provenance({
          subject: [
            { name: NAME, digest: { sha256: DIGEST.slice(7) } },
            { name: NAME, digest: { sha256: OTHER.slice(7) } },
          ],
        }),
      ),
      /about .*@sha256:c+, not the image/,
    ],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    if (expected) expect(() => checkProvenance(input, 'p.json', subject)).toThrow(expected);
    else expect(() => checkProvenance(input, 'p.json', subject)).not.toThrow();
  });
});

describe('sbomStatementPayload', () => {
  it('wraps the CycloneDX document as the predicate of a statement about the image', () => {
    const statement = JSON.parse(sbomStatementPayload(bytes(bom()), 's.json', subject).toString()) as Record<string, unknown>;
    expect(statement).toEqual({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: NAME, digest: { sha256: DIGEST.slice(7) } }],
      predicateType: SBOM_PREDICATE_TYPE,
      predicate: bom(),
    });
  });
  const bad: [string, Buffer, RegExp][] = [
    ['not JSON', Buffer.from('['), /s\.json is not JSON: expected a CycloneDX JSON document/],
    ['SPDX, not CycloneDX', bytes({ spdxVersion: 'SPDX-2.3' }), /s\.json is not a CycloneDX JSON document: field "bomFormat"/],
    ['no specVersion', bytes(bom({ specVersion: undefined })), /field "specVersion"/],
    ['a nonsense specVersion', bytes(bom({ specVersion: 'latest' })), /field "specVersion" a CycloneDX spec version/],
    [
      'naming another image',
      bytes(bom({ metadata: { properties: [{ name: 'release-safety:image', value: `${NAME}@${OTHER}` }] } })),
      /describes .*@sha256:c+, not the image/,
    ],
  ];
  it.each(bad)('%s', (_name, input, expected) => expect(() => sbomStatementPayload(input, 's.json', subject)).toThrow(expected));
});

describe('selectNamed: the file the image record names, by sha256', () => {
  const a = { file: 'image/image.provenance.json', bytes: Buffer.from('a'), sha256: sha('a') };
  const b = { file: 'other/image.provenance.json', bytes: Buffer.from('b'), sha256: sha('b') };
  it('picks the file with the named bytes among several', () => expect(selectNamed('provenance', [b, a], { sha256: sha('a') }).pick).toBe(a));
  it('none named, none there: a note, no error', () =>
    expect(selectNamed('sbom', [], undefined)).toEqual({ note: expect.stringMatching(/^no SBOM: the image record names none/) }));
  it('a file the record does not name is not attached, and a note says so', () =>
    expect(selectNamed('provenance', [a], undefined).note).toMatch(/image\/image\.provenance\.json not attached: the image record names no provenance/));
  it('named but absent: an error', () => expect(() => selectNamed('sbom', [], { sha256: sha('x') })).toThrow(/names a SBOM .* no \*\.sbom\.cdx\.json file/));
  it('named, but the file changed since: an error naming the file', () =>
    expect(() => selectNamed('provenance', [a], { sha256: sha('x') })).toThrow(
      /image\/image\.provenance\.json \(sha256 [0-9a-f]{64}\): not the bytes the image record names/,
    ));
});

describe('readSupplyChain on a folder', () => {
  it('finds both files in an artifact subfolder, and keeps the provenance bytes as written', () => {
    const dir = scratchDir('rs-supply-');
    mkdirSync(join(dir, 'image'));
    const p = Buffer.from(`${JSON.stringify(provenance(), null, 2)}\n`);
    const s = bytes(bom());
    writeFileSync(join(dir, 'image', 'image.provenance.json'), p);
    writeFileSync(join(dir, 'image', 'image.sbom.cdx.json'), s);
    const found = readSupplyChain(dir, { workspace: dir }, { provenance: { sha256: sha(p) }, sbom: { sha256: sha(s) } }, subject);
    expect(found.notes).toEqual([]);
    expect(found.statements.map((x) => [x.kind, x.file, x.predicateType])).toEqual([
      ['provenance', 'image/image.provenance.json', PROVENANCE_PREDICATE_TYPE],
      ['sbom', 'image/image.sbom.cdx.json', SBOM_PREDICATE_TYPE],
    ]);
    expect(found.statements[0]!.payload.equals(p)).toBe(true);
  });
  it('no evidence directory and nothing named: two notes, no statements', () => {
    const found = readSupplyChain(undefined, { workspace: '/' }, {}, subject);
    expect(found.statements).toEqual([]);
    expect(found.notes).toHaveLength(2);
  });
});
