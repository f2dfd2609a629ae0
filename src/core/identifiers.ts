/**
 * The identifiers every part of the suite checks, defined once: a git commit SHA and a GitHub
 * `owner/name`. Records, bundles, the runner context and the event payloads all validate through
 * these, so "a SHA" means the same thing wherever a value is read.
 */
import { z } from 'zod';

/** A full commit SHA as git and the API print it: 40 lower-case hex characters. */
const COMMIT_SHA = /^[0-9a-f]{40}$/;
/** The all-zero SHA git and GitHub use for "no commit" (a branch created or deleted). */
const ZERO_SHA = /^0{40}$/;
/**
 * `owner/name` as GitHub allows it: letters, digits, `_`, `.`, `-` on each side of one slash.
 * (Owners are stricter than this on github.com; the looser form keeps GHES and tests working and
 * still refuses anything with a second slash, a space or a shell character.)
 */
const REPOSITORY = /^[\w.-]+\/[\w.-]+$/;

export const COMMIT_SHA_FORM = 'a lower-case 40-character hex SHA';
export const REPOSITORY_FORM = 'owner/name';

export function isCommitSha(value: unknown): value is string {
  return typeof value === 'string' && COMMIT_SHA.test(value);
}

/** A 40-character hex SHA in either case (the runner's GITHUB_SHA and webhook payloads are not promised lower case). */
export function isCommitShaAnyCase(value: unknown): value is string {
  return typeof value === 'string' && COMMIT_SHA.test(value.toLowerCase());
}

export function isZeroSha(value: string): boolean {
  return ZERO_SHA.test(value);
}

export function isRepository(value: unknown): value is string {
  return typeof value === 'string' && REPOSITORY.test(value);
}

/** GitHub's owner and repository names ignore case: `Acme/Service` and `acme/service` are one repository. */
export function sameRepository(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** A stored commit SHA (records, bundles): lower case only, so equal commits are equal strings. */
export const commitShaSchema = z.string().regex(COMMIT_SHA, COMMIT_SHA_FORM);
/** A commit SHA read from the runner (env, event payload): either case accepted. */
export const commitShaAnyCaseSchema = z.string().refine(isCommitShaAnyCase, 'a 40-character hex commit SHA');
export const repositorySchema = z.string().regex(REPOSITORY, REPOSITORY_FORM);
