import { describe, expect, it } from 'vitest';
import { checkContract, closestNames, type ContractRule } from './contract.js';
import { parseExposition } from './exposition.js';

const PAGE = `# TYPE app_requests_total counter
app_requests_total{method="GET",endpoint="/items",http_status="200"} 3
app_requests_total{method="GET",endpoint="/fault/error",http_status="500"} 1
# TYPE app_errors_total counter
app_errors_total{endpoint="/fault/exception"} 2
# TYPE app_request_latency_seconds histogram
app_request_latency_seconds_bucket{le="0.1",method="GET",endpoint="/items"} 3
app_request_latency_seconds_bucket{le="+Inf",method="GET",endpoint="/items"} 3
app_request_latency_seconds_sum{method="GET",endpoint="/items"} 0.01
app_request_latency_seconds_count{method="GET",endpoint="/items"} 3
`;
const exposition = parseExposition(PAGE);
const rule = (expr: string, extra: Partial<ContractRule> = {}): ContractRule => ({
  file: 'rules/a.yml',
  name: 'A',
  kind: 'alert',
  expr,
  exprLine: 10,
  exprBlock: false,
  ...extra,
});
const check = (rules: ContractRule[], afterTraffic = true, externalMetrics: string[] = []) =>
  checkContract({ rules, exposition, externalMetrics, afterTraffic });

describe('checkContract', () => {
  const cases: { name: string; expr: string; rules?: string[]; severity?: string; extra?: string[] }[] = [
    {
      name: 'clean 5xx ratio',
      expr: 'sum(rate(app_requests_total{http_status=~"5..",endpoint!~"/metrics|/health/.*"}[5m])) / sum(rate(app_requests_total[5m])) > 0.05',
    },
    { name: 'clean p95', expr: 'histogram_quantile(0.95, sum by (le) (rate(app_request_latency_seconds_bucket[5m]))) > 0.5' },
    { name: 'renamed metric', expr: 'sum(rate(app_exceptions_total[2m])) > 1', rules: ['metric-not-exposed'] },
    { name: 'renamed label', expr: 'sum(rate(app_requests_total{status=~"5.."}[5m])) > 0', rules: ['label-not-exposed'] },
    { name: 'value never seen', expr: 'app_requests_total{http_status="404"} > 0', rules: ['label-value-never-matches'] },
    { name: 'quantile over a counter', expr: 'histogram_quantile(0.9, rate(app_requests_total[5m])) > 1', rules: ['not-a-histogram'] },
    { name: 'quantile over _count', expr: 'histogram_quantile(0.9, rate(app_request_latency_seconds_count[5m])) > 1', rules: ['not-a-histogram'] },
    { name: 'label absent but matcher accepts empty', expr: 'app_errors_total{region=""} > 0' },
    { name: 'target labels always exist', expr: 'app_errors_total{job="svc",instance=~".+"} > 0' },
    { name: 'external metric', expr: 'up{job="svc"} == 0', extra: ['up'] },
    { name: 'external metric not listed', expr: 'up == 0', rules: ['metric-not-exposed'] },
    { name: '__name__ selector', expr: '{__name__="app_errors_totl"} > 0', rules: ['metric-not-exposed'] },
    { name: 'syntax error', expr: 'sum(rate(app_errors_total[2m]', rules: ['promql-syntax'] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = check([rule(c.expr)], true, c.extra ?? []);
      expect(r.findings.map((f) => f.rule)).toEqual(c.rules ?? []);
      for (const f of r.findings) expect(f.severity).toBe('error');
    });
  }

  it('names the metric, the closest exposed names, the file and the expression line', () => {
    const r = check(
      [rule('sum(rate(app_errors_total[2m])) > 1', { name: 'AppHighExceptionRate' })].map((x) => ({
        ...x,
        expr: 'sum(rate(\n  app_exeptions_total[2m])) > 1',
        exprBlock: true,
      })),
    );
    expect(r.findings).toHaveLength(1);
    const f = r.findings[0]!;
    expect(f).toMatchObject({ file: 'rules/a.yml', line: 12, rule: 'metric-not-exposed' });
    expect(f.message).toContain('alert AppHighExceptionRate: the service does not expose app_exeptions_total (closest exposed: app_errors_total');
    expect(r.missingMetrics).toEqual(['app_exeptions_total']);
    expect(r.selectorsChecked).toBe(1);
  });

  it('recording rules produce metrics other rules may use', () => {
    const r = check([rule('sum(rate(app_requests_total[5m]))', { kind: 'record', name: 'job:requests:rate5m' }), rule('job:requests:rate5m < 1')]);
    expect(r.findings).toEqual([]);
    expect(r.selectorsChecked).toBe(2);
  });

  it('a label value not seen without drill traffic is only a warning', () => {
    const r = check([rule('app_requests_total{http_status="404"} > 0')], false);
    expect(r.findings.map((f) => f.severity)).toEqual(['warning']);
  });

  it('closestNames orders by edit distance', () => {
    expect(closestNames('app_error_total', ['zzz', 'app_errors_total', 'app_requests_total'], 2)).toEqual(['app_errors_total', 'app_requests_total']);
  });
});
