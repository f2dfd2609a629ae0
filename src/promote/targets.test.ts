import { describe, expect, it } from 'vitest';
import { parseExpectedDigest, parseImageInput, parseRelease, parseSource, parseTargets } from './targets.js';

const image = parseImageInput('127.0.0.1:5000/acme/service');

describe('promote references, validated before any request', () => {
  it.each([
    ['ci', { kind: 'tag', tag: 'ci' }],
    [`sha256:${'a'.repeat(64)}`, { kind: 'digest', digest: `sha256:${'a'.repeat(64)}` }],
  ])('from %s', (value, expected) => expect(parseSource(value)).toEqual(expected));

  it.each(['bad tag', '-ci', 'sha256:ABC', `sha256:${'a'.repeat(63)}`, 'a'.repeat(129), 'ci;rm -rf'])('from %j is refused', (value) => {
    expect(() => parseSource(value)).toThrow(/input "from"/);
  });

  it.each([
    [['prod'], [{ repository: 'acme/service', tag: 'prod' }]],
    [
      ['prod', 'v1.4.2', 'prod'],
      [
        { repository: 'acme/service', tag: 'prod' },
        { repository: 'acme/service', tag: 'v1.4.2' },
      ],
    ],
    [['acme/released:prod'], [{ repository: 'acme/released', tag: 'prod' }]],
    [['127.0.0.1:5000/acme/released:prod'], [{ repository: 'acme/released', tag: 'prod' }]],
  ])('to %j', (entries, expected) => expect(parseTargets(entries, image)).toEqual(expected));

  it.each([[['bad tag']], [['Acme/x:prod']], [['ghcr.io/acme/x:prod']], [['x:']], [['x@sha256:1:prod']], [[]]])('to %j is refused', (entries) => {
    expect(() => parseTargets(entries, image)).toThrow(/input "to"/);
  });

  it.each(['ghcr.io/acme/service:ci', 'Acme/Service', '', 'ghcr.io/acme/service@sha256:abc'])('image %j is refused', (value) => {
    expect(() => parseImageInput(value)).toThrow(/input "image"/);
  });

  it.each([
    ['v1.2.3', 'v1.2.3'],
    ['', undefined],
  ])('release %j', (value, expected) => expect(parseRelease(value)).toBe(expected));
  it.each(['1.2.3', 'v1.2', 'v01.2.3', 'v1.2.3-rc1', 'v1.2.3\nx'])('release %j is refused', (value) =>
    expect(() => parseRelease(value)).toThrow(/vMAJOR\.MINOR\.PATCH/),
  );
  it('expected-digest must be a digest', () => expect(() => parseExpectedDigest('sha256:xyz')).toThrow(/input "expected-digest"/));
});
