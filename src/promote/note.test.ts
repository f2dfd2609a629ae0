import { describe, expect, it } from 'vitest';
import { releaseBundle } from '../../test/e2e/promote-action-fixtures.js';
import { GATES } from '../core/evidence.js';
import { platformDigests, renderPromotionNote, renderRefusalNote } from './note.js';

const digest = `sha256:${'a'.repeat(64)}`;
const sha = 'b'.repeat(40);

describe('the release note', () => {
  it('lists each platform of an index with its digest; a single image lists none', () => {
    const index = Buffer.from(
      JSON.stringify({
        manifests: [
          { digest: `sha256:${'1'.repeat(64)}`, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
          { digest: `sha256:${'2'.repeat(64)}`, platform: { os: 'linux', architecture: 'amd64' } },
        ],
      }),
    );
    expect(platformDigests(index)).toEqual([
      { platform: 'linux/arm64/v8', digest: `sha256:${'1'.repeat(64)}` },
      { platform: 'linux/amd64', digest: `sha256:${'2'.repeat(64)}` },
    ]);
    expect(platformDigests(Buffer.from(JSON.stringify({ config: {}, layers: [] })))).toEqual([]);
  });

  const view = {
    image: '127.0.0.1:5000/acme/service',
    digest,
    platforms: [],
    targets: [{ reference: '127.0.0.1:5000/acme/service:prod', previousDigest: `sha256:${'c'.repeat(64)}` }],
    revision: sha,
    repository: 'acme/service',
    serverUrl: 'https://github.com',
    dispatchedBy: ['octocat', '@team <b>'],
    bundle: releaseBundle(digest, sha),
    requiredGates: GATES,
    criteria: ['c1'],
    lookups: ['l1'],
    referrerDigest: `sha256:${'d'.repeat(64)}`,
    previousDigest: `sha256:${'c'.repeat(64)}`,
  };

  it('signed: digest, commit link, gates table, alert evidence, verify by hand, rollback with the previous digest; dispatcher text escaped', () => {
    const note = renderPromotionNote({ ...view, signed: true });
    expect(note).toContain(`[${sha}](https://github.com/acme/service/commit/${sha})`);
    expect(note).toContain('### Gates (from the attestation)');
    expect(note).toContain('### Alert evidence');
    expect(note).toContain('<code>AppHigh5xxErrorRate</code> | critical | ✅ <code>errors fire</code> at 10m');
    expect(note).toContain(`skopeo inspect --raw docker://${view.image}@${digest} | sha256sum`);
    expect(note).toMatch(/### Rollback\n\nDispatch this workflow with <code>from<\/code> = <code>sha256&#58;c{64}<\/code>/);
    expect(note).not.toContain('<b>');
    expect(note).not.toMatch(/unsigned/i);
  });

  it('unsigned: says so, and names the witness', () => {
    const note = renderPromotionNote({ ...view, signed: false, witness: 'the status is success' });
    expect(note).toContain('The attestation is unsigned');
    expect(note).toContain('the status is success');
  });

  it('a refusal names the reasons and what stayed unchanged', () => {
    const note = renderRefusalNote({
      image: view.image,
      from: `${view.image}:ci`,
      digest,
      reasons: ['no evidence attestation'],
      criteria: ['c1'],
      lookups: [],
      unchanged: ['127.0.0.1:5000/acme/service:prod'],
    });
    expect(note).toContain('promotion refused');
    expect(note).toContain('- no evidence attestation');
    expect(note).toContain('unchanged: <code>127.0.0.1&#58;5000/acme/service&#58;prod</code>');
  });
});
