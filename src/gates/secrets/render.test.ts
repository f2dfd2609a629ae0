import { describe, expect, it } from 'vitest';
import { renderSections } from './render.js';
import type { AppliedPolicy } from './policy.js';
import type { ReportedFinding } from './report.js';

const HEAD = 'a'.repeat(40);
const OLD = 'b'.repeat(40);
const links = { serverUrl: 'https://github.com', repository: 'acme/service', sha: HEAD };
const policy: AppliedPolicy = { configSource: 'gitleaks defaults', ignore: new Set(), baseline: new Set(), exceptions: [], changedInRange: [], notes: [] };
const finding = (extra: Partial<ReportedFinding>): ReportedFinding => ({
  rule: 'aws-access-token',
  description: 'AWS',
  file: 'config/prod.env',
  startLine: 3,
  endLine: 3,
  startColumn: 1,
  endColumn: 20,
  commit: '',
  fingerprint: 'config/prod.env:aws-access-token:3',
  entropy: 3.5,
  tags: [],
  ...extra,
});

describe('secrets summary sections', () => {
  it('open and suppressed locations link to their line: at the commit that holds them (history), else at the commit judged', () => {
    const sections = renderSections({
      policy,
      version: '8.28.0',
      reported: [
        finding({ commit: OLD, fingerprint: `${OLD}:config/prod.env:aws-access-token:3` }),
        finding({ file: 'test/fixture.env', startLine: 7, suppression: { by: 'gitleaksignore' } }),
      ],
      expired: [],
      unused: [],
      links,
    }).join('\n\n');
    expect(sections).toContain(`(https://github.com/acme/service/blob/${OLD}/config/prod.env#L3)`);
    expect(sections).toContain(`(https://github.com/acme/service/blob/${HEAD}/test/fixture.env#L7)`);
    expect(sections).toMatch(/^\| location \| rule \| by \|$/m);
  });

  it('without links the locations stay code', () => {
    const sections = renderSections({ policy, version: '8.28.0', reported: [finding({})], expired: [], unused: [] }).join('\n');
    expect(sections).not.toContain('https://');
    expect(sections).toContain('<code>config/prod.env&#58;3</code>');
  });
});
