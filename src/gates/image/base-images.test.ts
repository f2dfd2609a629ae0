import { describe, expect, it } from 'vitest';
import { judgeBasePinning, parseBaseImages, parseImageReference, substitute } from './base-images.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseBaseImages', () => {
  it('reads every FROM with global ARGs (defaults, build args over them), skipping scratch, stages and named contexts', () => {
    const dockerfile = [
      '# syntax=docker/dockerfile:1',
      'ARG REGISTRY=ghcr.io',
      'ARG BASE_IMAGE=${REGISTRY}/acme/node:20',
      'FROM --platform=$BUILDPLATFORM ${BASE_IMAGE} AS build',
      'RUN echo hi \\',
      '  && echo there',
      'FROM build AS test',
      'FROM scratch AS empty',
      'FROM shared AS fromcontext',
      `FROM docker.io/library/alpine:3.20@${D}`,
      'from node',
    ].join('\n');
    const bases = parseBaseImages(dockerfile, [], ['shared']);
    expect(bases.map((b) => [b.line, b.reference, b.registry, b.repository, b.tag, b.pinned ?? ''])).toEqual([
      [4, 'ghcr.io/acme/node:20', 'ghcr.io', 'acme/node', '20', ''],
      [10, `docker.io/library/alpine:3.20@${D}`, 'docker.io', 'library/alpine', '3.20', D],
      [11, 'node', 'docker.io', 'library/node', 'latest', ''],
    ]);
    expect(parseBaseImages(dockerfile, [['BASE_IMAGE', '127.0.0.1:5000/base/node:local']])[0]).toMatchObject({
      reference: '127.0.0.1:5000/base/node:local',
      registry: '127.0.0.1:5000',
      tag: 'local',
    });
  });
  it("an ARG after the first FROM is the stage's, not a global one", () => {
    expect(parseBaseImages('FROM a:1\nARG X=b\nFROM ${X:-c}:2\n', []).map((b) => b.reference)).toEqual(['a:1', 'c:2']);
  });
  it('a FROM it cannot read is a problem, not skipped', () => {
    expect(parseBaseImages('FROM Not/Valid:1\n', [])[0]!.problem).toContain('FROM Not/Valid:1 is not an image reference');
  });
});

describe('references and substitution', () => {
  it.each([
    ['ghcr.io/acme/node:20', { registry: 'ghcr.io', repository: 'acme/node', tag: '20' }],
    ['127.0.0.1:5000/base/node', { registry: '127.0.0.1:5000', repository: 'base/node', tag: 'latest' }],
    [`node@${D}`, { registry: 'docker.io', repository: 'library/node', tag: '', digest: D }],
  ])('%s', (ref, expected) => {
    expect(parseImageReference(ref)).toEqual(expected);
  });
  it('substitutes ${X}, $X, ${X:-d} and ${X:+a}', () => {
    const vars = new Map([['A', 'x']]);
    expect(substitute('${A}/$A/${B:-d}/${A:+alt}/${B:+alt}', vars)).toBe('x/x/d/alt/');
  });
});

describe('judgeBasePinning', () => {
  const base = { line: 2, written: '${BASE}', reference: 'ghcr.io/acme/node:20', registry: 'ghcr.io', repository: 'acme/node', tag: '20' };
  it('an unpinned FROM is a warning with the digest to pin to; with require-pinned-base an error', () => {
    expect(judgeBasePinning([{ ...base, digest: D }], false, 'Dockerfile')).toEqual([
      {
        severity: 'warning',
        message: `FROM ghcr.io/acme/node:20 is not pinned by digest: pin it as ghcr.io/acme/node:20@${D}`,
        file: 'Dockerfile',
        line: 2,
        rule: 'unpinned-base-image',
      },
    ]);
    expect(judgeBasePinning([{ ...base, digest: D }], true, 'Dockerfile')[0]).toMatchObject({
      severity: 'error',
      message: expect.stringContaining('(require-pinned-base: true)'),
    });
  });
  it('a pinned FROM is fine; an unresolvable one says its digest is unknown', () => {
    expect(judgeBasePinning([{ ...base, pinned: D, digest: D }], true, 'Dockerfile')).toEqual([]);
    expect(judgeBasePinning([{ ...base, problem: 'unreachable' }], false, 'Dockerfile')[0]!.message).toContain('its digest is unknown (unreachable)');
  });
});
