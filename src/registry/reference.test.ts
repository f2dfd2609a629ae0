import { describe, expect, it } from 'vitest';
import { isLoopbackRegistry, isValidTag, parseImageName } from './reference.js';

describe('parseImageName', () => {
  it.each([
    ['127.0.0.1:5000/acme/service', { registry: '127.0.0.1:5000', repository: 'acme/service' }],
    ['ghcr.io/acme/service', { registry: 'ghcr.io', repository: 'acme/service' }],
    ['localhost/svc', { registry: 'localhost', repository: 'svc' }],
    ['acme/service', { registry: 'docker.io', repository: 'acme/service' }],
    ['nginx', { registry: 'docker.io', repository: 'library/nginx' }],
  ])('%s', (input, expected) => {
    expect(parseImageName(input)).toEqual(expected);
  });

  it.each([
    ['ghcr.io/acme/service:1.0', 'must not contain a tag'],
    ['ghcr.io/acme/service@sha256:abc', 'must not contain "@"'],
    ['ghcr.io/Acme/service', 'invalid repository component "Acme"'],
    ['', 'is empty'],
  ])('rejects %j', (input, message) => {
    expect(() => parseImageName(input)).toThrow(message);
  });
});

describe('isValidTag and isLoopbackRegistry', () => {
  it('follows the distribution tag grammar', () => {
    for (const ok of ['ci', 'sha-abc1234', '1.2.3', 'v1_2', 'A'.repeat(128)]) expect(isValidTag(ok), ok).toBe(true);
    for (const bad of ['', '-x', '.x', 'a/b', 'a:b', 'a b', 'A'.repeat(129), 'ünï']) expect(isValidTag(bad), bad).toBe(false);
  });
  it('knows loopback hosts', () => {
    expect(isLoopbackRegistry('127.0.0.1:5000')).toBe(true);
    expect(isLoopbackRegistry('localhost')).toBe(true);
    expect(isLoopbackRegistry('[::1]:5000')).toBe(true);
    expect(isLoopbackRegistry('ghcr.io')).toBe(false);
    expect(isLoopbackRegistry('10.0.0.1:5000')).toBe(false);
  });
});
