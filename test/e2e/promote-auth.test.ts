/**
 * The promote action bundle against registries that require credentials: htpasswd (basic) and a
 * bearer-token challenge flow with a token service. Wrong credentials fail, and neither the
 * password nor anything derived from it appears in any output.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGitHubApi, type GitHubApi } from '../../src/local/github-api.js';
import { randomSha } from '../../src/local/harness.js';
import { startRegistry, type LocalRegistry } from '../../src/local/registry.js';
import { RegistryClient } from '../../src/registry/client.js';
import { attachSigned, cleanupRuns, pushLabelImage, runPromote, skopeoDigest } from './promote-action-fixtures.js';
import { evidenceBundle, makeKeyPair } from './promote-fixtures.js';

const user = { username: 'promoter', password: 'Pr0mote-s3cret-XYZZY' };
const wrong = 'Wr0ng-s3cret-PLUGH';

describe.each(['htpasswd', 'token'] as const)('promote action on a registry with %s auth', (auth) => {
  let registry: LocalRegistry;
  let api: GitHubApi;
  const keys = makeKeyPair();

  beforeAll(async () => {
    registry = await startRegistry({ user, auth });
    api = await startGitHubApi();
  });
  afterAll(async () => {
    await api?.stop();
    await registry?.stop();
    cleanupRuns();
  });

  it('promotes with the right credentials; wrong or missing ones fail without printing them', async () => {
    const creds = `${user.username}:${user.password}`;
    const rev = randomSha();
    const client = new RegistryClient({ registry: registry.host, credentials: user });
    await pushLabelImage(client, 'acme/locked', 'ci', rev);
    const { digest } = await attachSigned(client, 'acme/locked', 'ci', (d) => evidenceBundle(d, rev), keys.privateKey);
    const inputs = { image: `${registry.host}/acme/locked`, 'public-key': keys.publicPem, 'github-token': 'ghs_write', 'registry-username': user.username };

    const ok = await runPromote({ ...inputs, 'registry-password': user.password }, { apiUrl: api.url });
    expect(ok.exitCode, ok.stdout).toBe(0);
    // skopeo reads the htpasswd registry; the bearer flow on plain-http loopback is read back with the suite's client.
    if (auth === 'htpasswd') expect(skopeoDigest(`${registry.host}/acme/locked:prod`, creds)).toBe(digest);
    else expect((await client.getManifest('acme/locked', 'prod')).digest).toBe(digest);
    expect(ok.masks).toContain(user.password);

    const bad = await runPromote({ ...inputs, 'registry-password': wrong, to: 'other' }, { apiUrl: api.url });
    expect(bad.exitCode).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/refused the credentials of user "promoter" \(HTTP 401\): check registry-username and registry-password/);
    const everything = bad.everything();
    // The mask command itself carries the secret (the runner consumes it); nothing else may.
    const withoutMasks = everything
      .split('\n')
      .filter((l) => !l.startsWith('::add-mask::'))
      .join('\n');
    expect(withoutMasks).not.toContain(wrong);
    expect(withoutMasks).not.toContain(Buffer.from(`${user.username}:${wrong}`).toString('base64'));

    const none = await runPromote({ ...inputs, 'registry-username': '', to: 'other' }, { apiUrl: api.url });
    expect(none.exitCode).toBe(1);
    expect(none.stdout + none.stderr).toMatch(/requires credentials \(HTTP 401\): set registry-username and registry-password/);
  });
});
