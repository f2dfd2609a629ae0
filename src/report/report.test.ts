import { describe, expect, it } from 'vitest';
import { sampleTestDetails } from '../../test/fixtures/evidence.js';
import { EVIDENCE_SCHEMA, type Evidence, type GateName } from '../core/evidence.js';
import { statusDescription } from '../github/status.js';
import { MAX_COMMENT_LENGTH, renderEvidenceComment, renderEvidenceSummary, type ReportView } from './comment.js';
import { judgeRecords, type FoundFile } from './judge.js';
import { compareRuns, parseMarker, renderMarker } from './marker.js';

const head = 'a'.repeat(40);
const other = 'b'.repeat(40);

function record(gate: GateName, status: Evidence['status'] = 'pass', extra: Partial<Evidence> = {}): Evidence {
  return {
    schema: EVIDENCE_SCHEMA,
    gate,
    status,
    summary: `${gate} ${status}`,
    startedAt: '2026-12-01T10:00:00.000Z',
    durationMs: 1200,
    subject: { repository: 'acme/service', commitSha: head, eventName: 'pull_request', runUrl: 'https://github.com/acme/service/actions/runs/1' },
    tool: { name: gate, version: '1' },
    metrics: {},
    findings: [],
    findingsTotal: 0,
    details: gate === 'test' ? sampleTestDetails() : {},
    ...extra,
  };
}
const file = (path: string, data: unknown): FoundFile => ({ path, text: typeof data === 'string' ? data : JSON.stringify(data) });
const judge = (files: FoundFile[], required: GateName[] = ['lint', 'test']) =>
  judgeRecords(files, { repository: 'acme/service', headSha: head, requiredGates: required });

describe('judgeRecords', () => {
  it.each<[string, FoundFile[], 'pass' | 'fail' | 'error', string]>([
    ['every required gate present and passing', [file('lint.json', record('lint')), file('test.json', record('test'))], 'pass', ''],
    ['a required gate missing', [file('lint.json', record('lint'))], 'fail', 'test: required, but no record'],
    ['a required gate failing', [file('lint.json', record('lint', 'fail')), file('test.json', record('test'))], 'fail', 'lint: fail'],
    ['a required gate skipped', [file('lint.json', record('lint', 'skipped')), file('test.json', record('test'))], 'fail', 'lint: skipped'],
    ['a required gate in error', [file('lint.json', record('lint', 'error')), file('test.json', record('test'))], 'error', 'lint: error'],
    [
      'two different records for one gate',
      [file('a/lint.json', record('lint')), file('b/lint.json', record('lint', 'pass', { durationMs: 5 })), file('test.json', record('test'))],
      'error',
      'lint: 2 different records',
    ],
    [
      'an invalid record naming a required gate',
      [file('lint.json', { ...record('lint'), durationMs: -1 }), file('test.json', record('test'))],
      'error',
      'lint: invalid record lint.json',
    ],
    ['a file that is not JSON', [file('lint.json', record('lint')), file('test.json', record('test')), file('x.json', '{')], 'error', 'invalid record x.json'],
    [
      'a stale failing record next to a current pass',
      [
        file('lint.json', record('lint')),
        file('test.json', record('test')),
        file('old/test.json', record('test', 'fail', { subject: { ...record('test').subject, commitSha: other } })),
      ],
      'pass',
      '',
    ],
    [
      'only a stale record',
      [file('lint.json', record('lint')), file('old/test.json', record('test', 'pass', { subject: { ...record('test').subject, commitSha: other } }))],
      'fail',
      'test: required, but no record',
    ],
    [
      'a record about another repository',
      [file('lint.json', record('lint')), file('test.json', record('test', 'pass', { subject: { ...record('test').subject, repository: 'evil/fork' } }))],
      'fail',
      'test: required',
    ],
    [
      'the same record downloaded twice',
      [file('a/lint.json', record('lint')), file('b/lint.json', record('lint')), file('test.json', record('test'))],
      'pass',
      '',
    ],
    [
      'a failing gate that is not required',
      [file('lint.json', record('lint')), file('test.json', record('test')), file('audit.json', record('audit', 'fail'))],
      'pass',
      '',
    ],
  ])('%s', (_name, files, verdict, reason) => {
    const j = judge(files);
    expect(j.verdict).toBe(verdict);
    if (reason) expect(j.reasons.join('\n')).toContain(reason);
    else expect(j.reasons.filter((r) => !r.startsWith('audit'))).toEqual([]);
  });

  it('a bundle in the folder is listed as ignored, and the image digest comes from the image record', () => {
    const image = record('image', 'pass', { details: { digest: `sha256:${'c'.repeat(64)}`, ref: `r/x@sha256:${'c'.repeat(64)}` } });
    const j = judge([
      file('lint.json', record('lint')),
      file('test.json', record('test')),
      file('image.json', image),
      file('bundle.json', { schema: 'release-safety/bundle@1' }),
    ]);
    expect(j.ignored).toEqual([{ path: 'bundle.json', why: expect.stringContaining('bundle') }]);
    expect(j.digest).toBe(`sha256:${'c'.repeat(64)}`);
    expect(j.image).toBe(`r/x@sha256:${'c'.repeat(64)}`);
  });
});

describe('marker', () => {
  it('round-trips and orders runs by id, then attempt', () => {
    const m = { runId: 42, runAttempt: 2, headSha: head };
    expect(parseMarker(`${renderMarker(m)}\nbody`)).toEqual(m);
    expect(parseMarker(`> ${renderMarker(m)}`)).toBeUndefined();
    expect(compareRuns({ ...m, runId: 41, runAttempt: 9 }, m)).toBeLessThan(0);
    expect(compareRuns({ ...m, runAttempt: 3 }, m)).toBeGreaterThan(0);
  });
});

describe('renderEvidenceComment', () => {
  const view: ReportView = {
    repository: 'acme/service',
    serverUrl: 'https://github.com',
    headSha: head,
    runUrl: 'https://github.com/acme/service/actions/runs/9',
    marker: { runId: 9, runAttempt: 1, headSha: head },
    bundleSha256: `sha256:${'e'.repeat(64)}`,
  };
  const failing = (message: string) =>
    judge([
      file(
        'lint.json',
        record('lint', 'fail', {
          findings: Array.from({ length: 100 }, (_, i) => ({ severity: 'error' as const, message: `${message}${i}`, file: `src/f${i}.ts`, line: i + 1 })),
          findingsTotal: 100,
        }),
      ),
      file('test.json', record('test')),
    ]);

  it.each([
    ['ASCII', 'y'.repeat(1990)],
    ['emoji', '👩‍👩‍👧'.repeat(249)],
  ])('cuts a %s report to the limit, whole blocks at a time, and says so', (_kind, message) => {
    const j = failing(message);
    expect(renderEvidenceSummary(j, view).length).toBeGreaterThan(MAX_COMMENT_LENGTH);
    const body = renderEvidenceComment(j, view);
    expect(body.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
    expect(body.startsWith(renderMarker(view.marker))).toBe(true);
    expect(body).toContain('shortened to fit');
    expect(body.split('<details>').length).toBe(body.split('</details>').length);
    expect(body).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('keeps within a small limit too, leaving the verdict and the link', () => {
    const body = renderEvidenceComment(failing('z'.repeat(500)), view, 3000);
    expect(body.length).toBeLessThanOrEqual(3000);
    expect(body).toContain('release-safety: fail');
    expect(body).toContain('(https://github.com/acme/service/actions/runs/9)');
  });

  it('a finding whose file climbs out of the repository is shown, not linked', () => {
    const j = judge([
      file('lint.json', record('lint', 'fail', { findings: [{ severity: 'error', message: 'm', file: '../../etc/passwd', line: 1 }], findingsTotal: 1 })),
      file('test.json', record('test')),
    ]);
    const body = renderEvidenceComment(j, view);
    expect(body).toContain('<code>../../etc/passwd&#58;1</code>');
    expect(body).not.toContain('blob/');
  });
});

describe('statusDescription', () => {
  it('names the digest within 140 characters', () => {
    const d = statusDescription('pass', 7, 7, `sha256:${'f'.repeat(64)}`);
    expect(d).toContain(`sha256:${'f'.repeat(64)}`);
    expect(d.length).toBeLessThanOrEqual(140);
    expect(statusDescription('fail', 1, 7)).toBe('fail: 1/7 required gates pass; no image digest');
  });
});
