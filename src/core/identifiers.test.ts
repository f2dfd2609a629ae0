import { describe, expect, it } from 'vitest';
import {
  commitShaAnyCaseSchema,
  commitShaSchema,
  isCommitSha,
  isCommitShaAnyCase,
  isRepository,
  isZeroSha,
  repositorySchema,
  sameRepository,
} from './identifiers.js';

const sha = '0123456789abcdef0123456789abcdef01234567';

describe('commit SHA', () => {
  it.each([
    [sha, true, true],
    [sha.toUpperCase(), false, true],
    [sha.slice(0, 39), false, false],
    [`${sha}0`, false, false],
    [`${sha.slice(0, 39)}g`, false, false],
    [` ${sha.slice(1)}`, false, false],
    [`${sha}\n`, false, false],
    ['', false, false],
    [42, false, false],
  ])('%j: stored form %s, runner form %s', (value, stored, anyCase) => {
    expect(isCommitSha(value)).toBe(stored);
    expect(isCommitShaAnyCase(value)).toBe(anyCase);
    expect(commitShaSchema.safeParse(value).success).toBe(stored);
    expect(commitShaAnyCaseSchema.safeParse(value).success).toBe(anyCase);
  });

  it('knows the zero SHA', () => {
    expect(isZeroSha('0'.repeat(40))).toBe(true);
    expect(isZeroSha(sha)).toBe(false);
  });
});

describe('owner/name', () => {
  it.each([
    ['acme/service', true],
    ['my-org/repo.name_2', true],
    ['acme', false],
    ['acme/service/extra', false],
    ['acme/ser vice', false],
    ['acme/$(id)', false],
    ['/service', false],
    ['acme/', false],
    ['acme/service\n', false],
  ])('%j -> %s', (value, ok) => {
    expect(isRepository(value)).toBe(ok);
    expect(repositorySchema.safeParse(value).success).toBe(ok);
  });
});

describe('one repository whatever the case', () => {
  it.each([
    ['acme/service', 'acme/service', true],
    ['Acme/Service', 'acme/service', true],
    ['ACME/SERVICE', 'acme/Service', true],
    ['acme/service', 'acme/servic', false],
    ['acme/service', 'mallory/service', false],
  ])('%s and %s -> %s', (a, b, same) => {
    expect(sameRepository(a, b)).toBe(same);
  });
});
