import { describe, expect, it } from 'vitest';
import { ToolError } from '../../core/errors.js';
import { mergeExpositions, parseExposition } from './exposition.js';

const PAGE = `# HELP app_requests_total Requests.
# TYPE app_requests_total counter
app_requests_total{method="GET",endpoint="/items",http_status="200"} 3
app_requests_total{method="GET",endpoint="/fault/error",http_status="500"} 1
# HELP app_errors_total Exceptions.
# TYPE app_errors_total counter
# HELP app_request_latency_seconds Latency.
# TYPE app_request_latency_seconds histogram
app_request_latency_seconds_bucket{le="0.1",method="GET",endpoint="/items"} 3
app_request_latency_seconds_bucket{le="+Inf",method="GET",endpoint="/items"} 3
app_request_latency_seconds_sum{method="GET",endpoint="/items"} 0.01
app_request_latency_seconds_count{method="GET",endpoint="/items"} 3
`;

describe('parseExposition', () => {
  it('keeps every series name with its label values, histograms included', () => {
    const e = parseExposition(PAGE);
    expect([...e.series.keys()].sort()).toEqual([
      'app_errors_total',
      'app_request_latency_seconds_bucket',
      'app_request_latency_seconds_count',
      'app_request_latency_seconds_sum',
      'app_requests_total',
    ]);
    expect([...e.series.get('app_requests_total')!.labels.get('http_status')!]).toEqual(['200', '500']);
    const bucket = e.series.get('app_request_latency_seconds_bucket')!;
    expect(bucket.family).toBe('app_request_latency_seconds');
    expect(bucket.type).toBe('HISTOGRAM');
    expect([...bucket.labels.get('endpoint')!]).toEqual(['/items']);
    expect([...bucket.labels.get('le')!]).toEqual(['0.1', '+Inf']);
    expect(e.series.get('app_errors_total')!.samples).toBe(0);
  });

  it('an empty page or one with nothing readable cannot be judged', () => {
    expect(() => parseExposition('')).toThrow(ToolError);
    expect(() => parseExposition('<html>not metrics</html>')).toThrow(ToolError);
  });

  it('merges pages: the union of label values', () => {
    const a = parseExposition('# TYPE x counter\nx{s="200"} 1\n');
    const b = parseExposition('# TYPE x counter\nx{s="500"} 1\n# TYPE y gauge\ny 1\n');
    const m = mergeExpositions([a, b]);
    expect([...m.series.get('x')!.labels.get('s')!]).toEqual(['200', '500']);
    expect(m.series.has('y')).toBe(true);
  });
});
