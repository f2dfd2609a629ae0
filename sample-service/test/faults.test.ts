import { afterEach, describe, expect, it } from 'vitest';

import { metricValue, scrape, startTestApp, type TestApp } from './helpers.js';

const FAULT_PATHS = ['/fault/error', '/fault/slow?ms=1', '/fault/exception'];

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('fault endpoints disabled (default)', () => {
  it('answer 404 and are counted under endpoint="unknown"', async () => {
    t = await startTestApp();
    for (const path of FAULT_PATHS) {
      const res = await fetch(`${t.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toEqual({ error: 'not found' });
    }
    const samples = await scrape(t.url);
    expect(metricValue(samples, 'app_requests_total', { method: 'GET', endpoint: 'unknown', http_status: '404' })).toBe(3);
    expect(samples.some((s) => s.labels.endpoint?.startsWith('/fault'))).toBe(false);
  });

  it('stay off when faultsEnabled is false', async () => {
    t = await startTestApp({ faultsEnabled: false });
    expect((await fetch(`${t.url}/fault/exception`)).status).toBe(404);
  });
});

describe('fault endpoints enabled', () => {
  it('/fault/error answers 500', async () => {
    t = await startTestApp({ faultsEnabled: true });
    const res = await fetch(`${t.url}/fault/error`);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: 'simulated error' });
  });

  it('/fault/slow sleeps the requested time and is recorded in the latency histogram', async () => {
    t = await startTestApp({ faultsEnabled: true });
    const started = performance.now();
    const res = await fetch(`${t.url}/fault/slow?ms=120`);
    const elapsed = performance.now() - started;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', slept_ms: 120 });
    expect(elapsed).toBeGreaterThanOrEqual(115);

    const samples = await scrape(t.url);
    const labels = { method: 'GET', endpoint: '/fault/slow' };
    expect(metricValue(samples, 'app_request_latency_seconds_bucket', { ...labels, le: '0.1' })).toBe(0);
    expect(metricValue(samples, 'app_request_latency_seconds_bucket', { ...labels, le: '5' })).toBe(1);
    expect(metricValue(samples, 'app_request_latency_seconds_sum', labels)).toBeGreaterThanOrEqual(0.115);
  });

  it('/fault/slow caps the sleep', async () => {
    t = await startTestApp({ faultsEnabled: true, maxSlowMs: 30 });
    const res = await fetch(`${t.url}/fault/slow?ms=999999999999`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', slept_ms: 30 });
  });

  it('/fault/slow caps at 10000 ms by default', async () => {
    const { DEFAULT_MAX_SLOW_MS } = await import('../src/app.js');
    expect(DEFAULT_MAX_SLOW_MS).toBe(10_000);
  });

  it.each(['-5', 'abc', '1.5', '1e3', ''])('/fault/slow rejects ms=%s with 400', async (ms) => {
    t = await startTestApp({ faultsEnabled: true });
    const res = await fetch(`${t.url}/fault/slow?ms=${encodeURIComponent(ms)}`);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'ms must be a non-negative integer' });
  });

  it('/fault/exception answers a generic 500 without the stack', async () => {
    t = await startTestApp({ faultsEnabled: true });
    const res = await fetch(`${t.url}/fault/exception`);
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: 'internal error' });
    expect(text).not.toContain('simulated exception');
    expect(text).not.toMatch(/at .*\.ts/);
    // The server keeps serving afterwards.
    expect((await fetch(`${t.url}/health/live`)).status).toBe(200);
  });

  it('fault routes answer 405 to other methods', async () => {
    t = await startTestApp({ faultsEnabled: true });
    const res = await fetch(`${t.url}/fault/error`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });
});
