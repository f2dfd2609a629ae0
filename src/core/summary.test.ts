import { describe, expect, it } from 'vitest';
import { sampleEvidence } from '../../test/fixtures/evidence.js';
import { renderGateSummary } from './summary.js';

describe('renderGateSummary', () => {
  it('shows verdict, subject, metrics and escapes everything that came from outside', () => {
    const text = renderGateSummary(
      sampleEvidence({
        status: 'fail',
        summary: 'eslint: 1 error <script>',
        subject: { ...sampleEvidence().subject, runUrl: 'https://github.com/acme/service/actions/runs/7', runId: '7' },
      }),
      { shown: 0, total: 0 },
      ['### extra\n\nsection'],
    );
    expect(text).toContain('## ❌ release-safety lint: fail');
    expect(text).toContain('eslint&#58; 1 error &lt;script&gt;');
    expect(text).not.toContain('<script>');
    expect(text).toContain(`<code>${'a'.repeat(40)}</code>`);
    expect(text).toContain('[run 7](https://github.com/acme/service/actions/runs/7)');
    expect(text).toContain('| errors | 0 |');
    expect(text).toContain('### extra');
  });

  it('caps the findings table and always gives the totals, including annotations not shown', () => {
    const findings = Array.from({ length: 100 }, (_, i) => ({ severity: 'error' as const, message: `problem ${i}`, file: 'src/a.ts', line: i + 1 }));
    const text = renderGateSummary(sampleEvidence({ status: 'fail', findings, findingsTotal: 250 }), { shown: 10, total: 250 }, []);
    expect(text).toContain('### Findings (250)');
    expect(text.match(/\| error \|/g)).toHaveLength(30);
    expect(text).toContain('Showing 30 of 250 findings; the evidence record keeps 100.');
    expect(text).toContain('10 of 250 findings were annotated (GitHub shows at most 10 per severity per step).');
  });
});
