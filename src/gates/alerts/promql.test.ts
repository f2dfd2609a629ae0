import { describe, expect, it } from 'vitest';
import { parseSelectors, unquote } from './promql.js';

describe('parseSelectors (official PromQL parser)', () => {
  it('reads metric names, matchers and histogram_quantile context', () => {
    const expr = 'histogram_quantile(0.95, sum by (le) (rate(lat_bucket{endpoint!~"/metrics|/health/.*"}[5m]))) > 0.5 and on() up{job="svc"}';
    const { selectors, errors } = parseSelectors(expr);
    expect(errors).toEqual([]);
    expect(selectors).toEqual([
      {
        metric: 'lat_bucket',
        matchers: [{ label: 'endpoint', op: '!~', value: '/metrics|/health/.*' }],
        from: 43,
        text: 'lat_bucket{endpoint!~"/metrics|/health/.*"}',
        inHistogramQuantile: true,
      },
      { metric: 'up', matchers: [{ label: 'job', op: '=', value: 'svc' }], from: expr.indexOf('up{'), text: 'up{job="svc"}', inHistogramQuantile: false },
    ]);
  });

  it('takes the name from {__name__="x"} and keeps other matchers', () => {
    const { selectors } = parseSelectors('sum(rate({__name__="app_errors_total", "endpoint"=~"/a.*"}[2m])) > 1');
    expect(selectors).toHaveLength(1);
    expect(selectors[0]!.metric).toBe('app_errors_total');
    expect(selectors[0]!.matchers).toEqual([{ label: 'endpoint', op: '=~', value: '/a.*' }]);
  });

  it('a regex __name__ gives no exact metric name', () => {
    const { selectors } = parseSelectors('{__name__=~"app_.*"}');
    expect(selectors[0]!.metric).toBeUndefined();
  });

  it('finds selectors in subqueries, offsets and binary operands', () => {
    const { selectors } = parseSelectors('max_over_time(a[5m:1m]) / b offset 1h + c');
    expect(selectors.map((s) => s.metric)).toEqual(['a', 'b', 'c']);
  });

  it('reports syntax errors', () => {
    expect(parseSelectors('sum(rate(foo[5m]').errors.length).toBeGreaterThan(0);
  });

  it('unquotes the three string forms', () => {
    expect(unquote('"a\\"b\\n"')).toBe('a"b\n');
    expect(unquote("'it\\'s'")).toBe("it's");
    expect(unquote('`raw\\d`')).toBe('raw\\d');
  });
});
