import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkRunbooks, runbookProblem, runbookTarget, type RunbookAlert } from './runbooks.js';

describe('runbookTarget', () => {
  it('maps this repository URLs to paths and refuses others', () => {
    expect(runbookTarget('https://github.com/acme/svc/blob/main/docs/rb.md', 'acme/svc', 'https://github.com')).toEqual({ kind: 'path', path: 'docs/rb.md' });
    expect(runbookTarget('https://raw.githubusercontent.com/acme/svc/abc/docs/rb.md', 'acme/svc', 'https://github.com')).toEqual({ kind: 'path', path: 'docs/rb.md' });
    expect(runbookTarget('https://wiki.example.com/rb', 'acme/svc', 'https://github.com').kind).toBe('unresolvable');
    expect(runbookTarget('https://github.com/other/svc/blob/main/rb.md', 'acme/svc', 'https://github.com').kind).toBe('unresolvable');
    expect(runbookTarget('docs/rb.md#steps', 'acme/svc', 'https://github.com')).toEqual({ kind: 'path', path: 'docs/rb.md' });
    expect(runbookTarget('../outside.md', 'acme/svc', 'https://github.com').kind).toBe('unresolvable');
  });
});

describe('runbookProblem', () => {
  const t = { kind: 'path' as const, path: 'rb.md' };
  const cases: [string | undefined, string | undefined, RegExp | undefined][] = [
    [undefined, undefined, /no runbook_url or runbook/],
    ['TODO', undefined, /placeholder runbook/],
    ['rb.md', undefined, /does not exist/],
    ['rb.md', '# Title\n\n## Steps\n', /empty/],
    ['rb.md', '# Title\nTBD\n', /placeholder/],
    ['rb.md', '# Title\n1. Open the 5xx panel.\n', undefined],
  ];
  for (const [value, content, want] of cases) {
    it(`${String(value)} / ${JSON.stringify(content)}`, () => {
      const p = runbookProblem(value, content, value === undefined ? undefined : t);
      if (want) expect(p).toMatch(want);
      else expect(p).toBeUndefined();
    });
  }
});

describe('checkRunbooks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rs-runbooks-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it('counts complete runbooks and fails below the threshold', async () => {
    mkdirSync(join(dir, 'rb'));
    writeFileSync(join(dir, 'rb', 'A.md'), '# A\n1. Check the panel.\n');
    writeFileSync(join(dir, 'rb', 'B.md'), 'TODO\n');
    const alerts: RunbookAlert[] = [
      { alert: 'A', file: 'r.yml', line: 3, annotations: { runbook: 'rb/A.md' } },
      { alert: 'B', file: 'r.yml', line: 9, annotations: { runbook_url: 'https://github.com/acme/svc/blob/main/rb/B.md' } },
    ];
    const opts = { workspace: dir, headSha: 'a'.repeat(40), repository: 'acme/svc', serverUrl: 'https://github.com' };
    const strict = await checkRunbooks(alerts, { ...opts, threshold: 100 });
    expect(strict).toMatchObject({ total: 2, complete: 1, percent: 50 });
    expect(strict.findings).toEqual([{ severity: 'error', file: 'r.yml', line: 9, rule: 'runbook', message: expect.stringContaining('alert B names the runbook rb/B.md, which is a placeholder') }]);
    const lenient = await checkRunbooks(alerts, { ...opts, threshold: 50 });
    expect(lenient.findings.map((f) => f.severity)).toEqual(['warning']);
  });
});
