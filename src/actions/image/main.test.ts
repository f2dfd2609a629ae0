import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { scratchDir } from '../../local/scratch.js';
import { imageOptions, inputs } from './main.js';
import type { RunnerContext } from '../../core/context.js';

const HEAD = 'abcdef0123456789abcdef0123456789abcdef01';
const MERGE = '1111111111111111111111111111111111111111';

function parse(raw: Record<string, string>) {
  const all = Object.fromEntries(Object.keys(inputs).map((k) => [k, raw[k] ?? '']));
  return z.object(inputs).parse(all);
}

describe('imageOptions', () => {
  let workspace: string;
  let ctx: RunnerContext;
  let root: string;
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  beforeAll(() => {
    // <root>/repo is the repository; <root>/Dockerfile exists beside it, outside the repository.
    root = scratchDir('rs-image-opts-');
    workspace = join(root, 'repo');
    mkdirSync(join(workspace, 'svc'), { recursive: true });
    writeFileSync(join(root, 'Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(workspace, 'svc', 'Dockerfile'), 'FROM scratch\n');
    ctx = {
      eventName: 'pull_request',
      repository: 'Acme/Service',
      serverUrl: 'https://github.com',
      apiUrl: 'https://api.github.com',
      headSha: HEAD,
      mergeSha: MERGE,
      ref: 'refs/pull/3/merge',
      prNumber: 3,
      isFork: false,
      workspace,
      runnerTemp: join(workspace, 'tmp'),
      toolCache: '',
    };
  });

  it('defaults: pr-<number> and head-SHA tags (never ci on a pull request) and revision label, Dockerfile in the context, storage under the runner temp', () => {
    const o = imageOptions(parse({ context: 'svc', image: 'ghcr.io/acme/service' }), ctx, '/rt');
    expect(o.tags).toEqual(['pr-3', 'sha-abcdef0']);
    expect(o.revision).toBe(HEAD);
    expect(o.labels).toContainEqual(['org.opencontainers.image.revision', HEAD]);
    expect(o.labels).toContainEqual(['org.opencontainers.image.source', 'https://github.com/Acme/Service']);
    expect(o.labels.flat()).not.toContain(MERGE);
    expect(o.file).toBe(join(workspace, 'svc', 'Dockerfile'));
    expect(o.storageDir).toBe(join('/rt', 'release-safety', 'buildah'));
    expect(o).toMatchObject({
      push: true,
      builder: 'auto',
      format: 'docker',
      image: { registry: 'ghcr.io', repository: 'acme/service' },
      timeoutMs: 1_800_000,
    });
    expect(o.credentials).toBeUndefined();
  });

  it('splits the smoke command without a shell and keeps build-arg values whole', () => {
    const o = imageOptions(
      parse({ context: 'svc', image: 'ghcr.io/acme/service', 'smoke-command': `node -e "console.log('a b')"`, 'build-args': 'A=1,2\nB=x' }),
      ctx,
      '/rt',
    );
    expect(o.smokeCommand).toEqual(['node', '-e', "console.log('a b')"]);
    expect(o.buildArgs).toEqual([
      ['A', '1,2'],
      ['B', 'x'],
    ]);
  });

  it.each([
    [{ context: 'svc' }, 'input "image" is required when push is true'],
    [{ context: 'svc', image: 'ghcr.io/acme/service:latest' }, 'input "image" must not contain a tag'],
    [{ context: 'svc', image: 'ghcr.io/acme/service', 'registry-username': 'bot' }, 'inputs "registry-username" and "registry-password" go together'],
    [{ context: 'svc', image: 'ghcr.io/acme/service', tags: 'ok, no/slash' }, 'input "tags" has invalid tag "no/slash"'],
    [{ context: 'nowhere', image: 'ghcr.io/acme/service' }, 'input "context" names "nowhere", which is not a directory'],
    [{ context: 'svc', image: 'ghcr.io/acme/service', file: 'svc/Containerfile' }, 'input "file" names "svc/Containerfile", which does not exist'],
    [
      { context: 'svc', image: 'ghcr.io/acme/service', file: '../Dockerfile' },
      'input "file" names "../Dockerfile", which is outside the repository: give the Dockerfile path relative to the repository root',
    ],
    [
      { context: 'svc', image: 'ghcr.io/acme/service', file: 'svc/../../Dockerfile' },
      'input "file" names "svc/../../Dockerfile", which is outside the repository',
    ],
    [{ context: 'svc', image: 'ghcr.io/acme/service', file: 'svc' }, 'input "file" names "svc", which is not a file'],
    [{ context: 'svc', image: 'ghcr.io/acme/service', labels: 'org.opencontainers.image.revision=x' }, 'input "labels" sets org.opencontainers.image.revision'],
    [{ context: 'svc', image: 'ghcr.io/acme/service', platforms: 'amd64' }, 'input "platforms" has "amd64"'],
  ])('rejects %j', (raw, message) => {
    expect(() => imageOptions(parse(raw), ctx, '/rt')).toThrow(message);
  });

  it('an upper-case image name is lower-cased and the rewrite is kept for the log', () => {
    const o = imageOptions(parse({ context: 'svc', image: 'ghcr.io/Acme/Service' }), ctx, '/rt');
    expect(o.image).toEqual({ registry: 'ghcr.io', repository: 'acme/service' });
    expect(o.imageRewrite).toBe('ghcr.io/Acme/Service -> ghcr.io/acme/service');
  });

  it('a push to the default branch moves ci-tag; none moves nothing; explicit tags replace the defaults', () => {
    const push = { ...ctx, eventName: 'push', ref: 'refs/heads/main', defaultBranch: 'main', prNumber: undefined };
    expect(imageOptions(parse({ context: 'svc', image: 'ghcr.io/acme/service' }), push, '/rt').tags).toEqual(['ci', 'sha-abcdef0']);
    expect(imageOptions(parse({ context: 'svc', image: 'ghcr.io/acme/service', 'ci-tag': 'edge' }), push, '/rt').tags).toEqual(['edge', 'sha-abcdef0']);
    expect(imageOptions(parse({ context: 'svc', image: 'ghcr.io/acme/service', 'ci-tag': 'none' }), push, '/rt').tags).toEqual(['sha-abcdef0']);
    expect(imageOptions(parse({ context: 'svc', image: 'ghcr.io/acme/service', tags: 'ci' }), ctx, '/rt').tags).toEqual(['ci']);
    expect(() => imageOptions(parse({ context: 'svc', image: 'ghcr.io/acme/service', 'ci-tag': 'a/b' }), push, '/rt')).toThrow(
      'input "ci-tag" has invalid tag "a/b"',
    );
  });

  it('a file given relative to the repository root inside it is used', () => {
    expect(imageOptions(parse({ context: 'svc', image: 'ghcr.io/acme/service', file: 'svc/Dockerfile' }), ctx, '/rt').file).toBe(
      join(workspace, 'svc', 'Dockerfile'),
    );
  });

  it('without push the image defaults to localhost/<repository>', () => {
    const o = imageOptions(parse({ context: 'svc', push: 'false' }), ctx, '/rt');
    expect(o.image).toEqual({ registry: 'localhost', repository: 'acme/service' });
  });
});
