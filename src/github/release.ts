/**
 * The GitHub release of a promotion: created (or updated, when the tag has one) with the release
 * note as its body, and the evidence bundle attached as an asset named by its sha256 (uploaded
 * once: a re-run that finds the same asset leaves it).
 */
import type { GitHubClient } from './octokit.js';

export interface ReleaseResult {
  url: string;
  id: number;
  assetName: string;
  assetUploaded: boolean;
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 404;
}

export async function publishRelease(
  octokit: GitHubClient,
  args: { repository: string; tag: string; sha: string; name: string; body: string; bundle: Buffer; bundleSha256: string },
): Promise<ReleaseResult> {
  const [owner, repo] = args.repository.split('/') as [string, string];
  let release: { id: number; html_url: string; upload_url: string; assets?: { name: string }[] };
  try {
    const found = await octokit.rest.repos.getReleaseByTag({ owner, repo, tag: args.tag });
    release = (await octokit.rest.repos.updateRelease({ owner, repo, release_id: found.data.id, name: args.name, body: args.body })).data;
  } catch (error) {
    if (!isNotFound(error)) throw error;
    release = (await octokit.rest.repos.createRelease({ owner, repo, tag_name: args.tag, target_commitish: args.sha, name: args.name, body: args.body })).data;
  }
  const assetName = `evidence-bundle-${args.bundleSha256.replace(/^sha256:/, '').slice(0, 16)}.json`;
  const assets = (await octokit.rest.repos.listReleaseAssets({ owner, repo, release_id: release.id, per_page: 100 })).data;
  let assetUploaded = false;
  if (!assets.some((a) => a.name === assetName)) {
    // upload_url is an RFC 6570 template ("...{?name,label}"); Octokit expands it with `name`.
    await octokit.request({
      method: 'POST',
      url: release.upload_url,
      name: assetName,
      data: args.bundle as unknown as string,
      // fetch sets Content-Length from the body itself: a second one by hand would make the header a list.
      headers: { 'content-type': 'application/json' },
    });
    assetUploaded = true;
  }
  return { url: release.html_url, id: release.id, assetName, assetUploaded };
}
