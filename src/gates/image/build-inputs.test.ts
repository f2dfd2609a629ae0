import { describe, expect, it } from 'vitest';
import { buildahCacheRepository, parseBuildContexts, parseSecretLines, secretFlag } from './build-inputs.js';

describe('secrets', () => {
  it('reads id=,src= and id=,env= lines into what --secret takes', () => {
    const secrets = parseSecretLines(['id=npmrc,src=.npmrc', 'id=token,env=NPM_TOKEN', 'type=env,id=t2,env=X']);
    expect(secrets).toEqual([
      { id: 'npmrc', src: '.npmrc' },
      { id: 'token', env: 'NPM_TOKEN' },
      { id: 't2', env: 'X' },
    ]);
    expect(secrets.map(secretFlag)).toEqual(['id=npmrc,src=.npmrc', 'id=token,env=NPM_TOKEN', 'id=t2,env=X']);
  });
  it.each([
    ['a pasted value', 'NPM_TOKEN=s3cr3t-value', 'line 1 is not of the form id=<name>,src=<file> or id=<name>,env=<VARIABLE> (the line is not shown'],
    ['both src and env', 'id=a,src=f,env=V', 'line 1 is not of the form'],
    ['neither', 'id=a', 'line 1 is not of the form'],
    ['an unknown key', 'id=a,src=f,value=s3cr3t-value', 'line 1 is not of the form'],
    ['a bad variable name', 'id=a,env=s3cr3t-value', 'env= names an environment variable'],
  ])('rejects %s without echoing the line', (_, line, message) => {
    let error: unknown;
    try {
      parseSecretLines([line]);
    } catch (e) {
      error = e;
    }
    expect(String(error)).toContain(message);
    expect(String(error)).not.toContain('s3cr3t-value');
  });
  it('rejects an id given twice', () => {
    expect(() => parseSecretLines(['id=a,src=f', 'id=a,env=V'])).toThrow('input "secrets" gives the id "a" twice');
  });
});

describe('build-contexts', () => {
  it('resolves local directories through the containment check and passes image contexts through', () => {
    const seen: string[] = [];
    const contexts = parseBuildContexts(['shared=libs/shared', 'base=docker-image://127.0.0.1:5000/base/node:local'], (v) => {
      seen.push(v);
      return `/ws/${v}`;
    });
    expect(contexts).toEqual([
      { name: 'shared', value: '/ws/libs/shared' },
      { name: 'base', value: 'docker-image://127.0.0.1:5000/base/node:local' },
    ]);
    expect(seen).toEqual(['libs/shared']);
  });
  it('rejects a line without name=', () => {
    expect(() => parseBuildContexts(['libs/shared'], (v) => v)).toThrow('input "build-contexts" has the line "libs/shared": expected name=<directory>');
  });
});

describe('buildah cache repository', () => {
  it('takes registry/repository or the buildx registry form', () => {
    expect(buildahCacheRepository([], 'cache-from')).toBeUndefined();
    expect(buildahCacheRepository(['127.0.0.1:5000/acme/cache'], 'cache-from')).toBe('127.0.0.1:5000/acme/cache');
    expect(buildahCacheRepository(['type=registry,ref=ghcr.io/acme/cache'], 'cache-to')).toBe('ghcr.io/acme/cache');
  });
  it.each([
    [['a/b', 'c/d'], 'input "cache-from" has 2 entries: buildah takes one cache repository'],
    [['type=gha'], 'input "cache-from" is "type=gha": buildah takes a registry repository'],
    [['ghcr.io/acme/cache:tag'], 'input "cache-from" names "ghcr.io/acme/cache:tag": expected registry/repository without a tag'],
    [['cache'], 'input "cache-from" names "cache"'],
  ])('rejects %j', (values, message) => {
    expect(() => buildahCacheRepository(values, 'cache-from')).toThrow(message);
  });
});
