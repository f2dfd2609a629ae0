import { randomSha } from './harness.js';

export interface PullRequestFixture {
  number?: number;
  title?: string;
  body?: string;
  headRef?: string;
  headSha?: string;
  baseSha?: string;
  baseRef?: string;
  repository?: string;
  headRepository?: string;
}

/** A pull_request webhook payload with the fields the suite reads (and some it must never trust). */
export function pullRequestEvent(f: PullRequestFixture = {}) {
  const repository = f.repository ?? 'acme/service';
  const number = f.number ?? 7;
  return {
    action: 'synchronize',
    number,
    pull_request: {
      number,
      title: f.title ?? 'Add items endpoint',
      body: f.body ?? '',
      html_url: `https://github.com/${repository}/pull/${number}`,
      head: { sha: f.headSha ?? randomSha(), ref: f.headRef ?? 'feature', repo: { full_name: f.headRepository ?? repository } },
      base: { sha: f.baseSha ?? randomSha(), ref: f.baseRef ?? 'main', repo: { full_name: repository } },
      user: { login: 'contributor' },
    },
    repository: { full_name: repository, default_branch: 'main' },
    sender: { login: 'contributor' },
  };
}

export const HOSTILE = {
  title: 'a"; touch /tmp/pwned; "',
  headRef: '$(id)',
  body: '::error::x\n::set-output name=status::pass\n`$(touch /tmp/pwned)`',
};
