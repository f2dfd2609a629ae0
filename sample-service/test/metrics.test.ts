import { afterEach, describe, expect, it } from 'vitest';

import { LATENCY_BUCKETS } from '../src/metrics.js';
import { metricSum, metricValue, postJson, scrape, startTestApp, type TestApp } from './helpers.js';

const REQUESTS = 'app_requests_total';
const LATENCY_COUNT = 'app_request_latency_seconds_count';
const ERRORS = 'app_errors_total';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('app_requests_total and app_request_latency_seconds', () => {
  it('count N requests exactly N times with the right labels', async () => {
    t = await startTestApp();
    const N = 7;
    for (let i = 0; i < N; i++) {
      expect((await fetch(`${t.url}/items`)).status).toBe(200);
    }
    const samples = await scrape(t.url);
    expect(metricValue(samples, REQUESTS, { method: 'GET', endpoint: '/items', http_status: '200' })).toBe(N);
    expect(metricValue(samples, LATENCY_COUNT, { method: 'GET', endpoint: '/items' })).toBe(N);
    // Nothing else was requested besides the scrape itself, which is not visible yet.
    expect(metricSum(samples, REQUESTS)).toBe(N);
  });

  it('counts each outcome once: 201, 400, 404, 405', async () => {
    t = await startTestApp();
    await postJson(t.url, { name: 'a', price: 1 });
    await postJson(t.url, { name: 'b', price: 2 });
    await postJson(t.url, { name: '', price: 2 });
    await postJson(t.url, 'not json');
    await fetch(`${t.url}/does-not-exist`);
    await fetch(`${t.url}/items/42?q=1`);
    await fetch(`${t.url}/items`, { method: 'PUT' });

    const samples = await scrape(t.url);
    expect(metricValue(samples, REQUESTS, { method: 'POST', endpoint: '/items', http_status: '201' })).toBe(2);
    expect(metricValue(samples, REQUESTS, { method: 'POST', endpoint: '/items', http_status: '400' })).toBe(2);
    expect(metricValue(samples, REQUESTS, { method: 'GET', endpoint: 'unknown', http_status: '404' })).toBe(2);
    expect(metricValue(samples, REQUESTS, { method: 'PUT', endpoint: '/items', http_status: '405' })).toBe(1);
    expect(metricSum(samples, REQUESTS)).toBe(7);
    expect(metricValue(samples, LATENCY_COUNT, { method: 'POST', endpoint: '/items' })).toBe(4);
    expect(metricValue(samples, LATENCY_COUNT, { method: 'GET', endpoint: 'unknown' })).toBe(2);
    expect(metricSum(samples, LATENCY_COUNT)).toBe(7);
    expect(metricSum(samples, ERRORS)).toBe(0);
  });

  it('keeps the endpoint label bounded: raw paths never become label values', async () => {
    t = await startTestApp();
    for (let i = 0; i < 20; i++) await fetch(`${t.url}/random/${i}`);
    const samples = await scrape(t.url);
    const endpoints = new Set(samples.filter((s) => s.name === REQUESTS).map((s) => s.labels.endpoint));
    expect([...endpoints]).toEqual(['unknown']);
  });

  it('counts /metrics itself once per scrape, visible from the next scrape on', async () => {
    t = await startTestApp();
    const labels = { method: 'GET', endpoint: '/metrics', http_status: '200' };
    expect(metricValue(await scrape(t.url), REQUESTS, labels)).toBe(0);
    expect(metricValue(await scrape(t.url), REQUESTS, labels)).toBe(1);
    expect(metricValue(await scrape(t.url), REQUESTS, labels)).toBe(2);
  });

  it('keeps histogram buckets consistent with _count and _sum', async () => {
    t = await startTestApp();
    for (let i = 0; i < 3; i++) await fetch(`${t.url}/health/live`);
    const samples = await scrape(t.url);
    const labels = { method: 'GET', endpoint: '/health/live' };
    const buckets = samples.filter(
      (s) => s.name === 'app_request_latency_seconds_bucket' && s.labels.endpoint === '/health/live',
    );
    expect(buckets.map((b) => b.labels.le)).toEqual([...LATENCY_BUCKETS.map(String), '+Inf']);
    for (const le of ['0.1', '0.25', '0.5', '1']) expect(buckets.some((b) => b.labels.le === le)).toBe(true);
    // Cumulative buckets never decrease and end at _count.
    const values = buckets.map((b) => b.value);
    expect([...values].sort((a, b) => a - b)).toEqual(values);
    expect(values.at(-1)).toBe(3);
    expect(metricValue(samples, LATENCY_COUNT, labels)).toBe(3);
    const sum = metricValue(samples, 'app_request_latency_seconds_sum', labels);
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(3);
  });

  it('uses a registry per app, so apps do not see each other', async () => {
    t = await startTestApp();
    const other = await startTestApp();
    try {
      await fetch(`${t.url}/items`);
      await fetch(`${t.url}/items`);
      const mine = await scrape(t.url);
      const theirs = await scrape(other.url);
      expect(metricValue(mine, REQUESTS, { method: 'GET', endpoint: '/items', http_status: '200' })).toBe(2);
      expect(metricValue(theirs, REQUESTS, { method: 'GET', endpoint: '/items', http_status: '200' })).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('does not export process metrics unless asked to', async () => {
    t = await startTestApp();
    expect((await scrape(t.url)).some((s) => s.name.startsWith('process_'))).toBe(false);
    await t.close();
    t = await startTestApp({ defaultMetrics: true });
    expect((await scrape(t.url)).some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
  });
});

describe('app_errors_total', () => {
  it('counts an unhandled exception once, and its request once with status 500', async () => {
    t = await startTestApp({ faultsEnabled: true });
    const res = await fetch(`${t.url}/fault/exception`);
    expect(res.status).toBe(500);

    const samples = await scrape(t.url);
    expect(metricValue(samples, ERRORS, { endpoint: '/fault/exception' })).toBe(1);
    expect(metricSum(samples, ERRORS)).toBe(1);
    expect(metricValue(samples, REQUESTS, { method: 'GET', endpoint: '/fault/exception', http_status: '500' })).toBe(1);
    expect(metricSum(samples, REQUESTS, { endpoint: '/fault/exception' })).toBe(1);
    expect(metricValue(samples, LATENCY_COUNT, { method: 'GET', endpoint: '/fault/exception' })).toBe(1);
  });

  it('does not count a deliberate 500 response as an exception', async () => {
    t = await startTestApp({ faultsEnabled: true });
    await fetch(`${t.url}/fault/error`);
    await fetch(`${t.url}/fault/error`);
    const samples = await scrape(t.url);
    expect(metricSum(samples, ERRORS)).toBe(0);
    expect(metricValue(samples, REQUESTS, { method: 'GET', endpoint: '/fault/error', http_status: '500' })).toBe(2);
  });
});
