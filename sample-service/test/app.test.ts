import { readFileSync } from 'node:fs';

import { afterEach, describe, expect, it } from 'vitest';

import { postJson, rawRequest, startTestApp, type TestApp } from './helpers.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('GET /', () => {
  it('reports the service name and the package version by default', async () => {
    t = await startTestApp();
    const res = await fetch(`${t.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({ service: 'sample-service', version: pkg.version });
  });

  it('uses the configured name and version', async () => {
    t = await startTestApp({ serviceName: 'svc', version: '9.9.9' });
    expect(await (await fetch(`${t.url}/`)).json()).toEqual({ service: 'svc', version: '9.9.9' });
  });
});

describe('items', () => {
  it('starts empty', async () => {
    t = await startTestApp();
    const res = await fetch(`${t.url}/items`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
  });

  it('creates items with increasing ids and lists them in order', async () => {
    t = await startTestApp();
    const a = await postJson(t.url, { name: 'apple', price: 1.5 });
    expect(a.status).toBe(201);
    expect(a.headers.get('location')).toBe('/items/1');
    expect(await a.json()).toEqual({ id: 1, name: 'apple', price: 1.5 });

    const b = await postJson(t.url, { name: 'free sample', price: 0, extra: 'ignored' });
    expect(b.status).toBe(201);
    expect(await b.json()).toEqual({ id: 2, name: 'free sample', price: 0 });

    const list = await fetch(`${t.url}/items`);
    expect(await list.json()).toEqual([
      { id: 1, name: 'apple', price: 1.5 },
      { id: 2, name: 'free sample', price: 0 },
    ]);
  });

  it('accepts a content type with parameters', async () => {
    t = await startTestApp();
    const res = await postJson(t.url, { name: 'x', price: 1 }, { 'content-type': 'Application/JSON; charset=utf-8' });
    expect(res.status).toBe(201);
  });

  it('keeps separate stores per app', async () => {
    t = await startTestApp();
    const other = await startTestApp();
    try {
      await postJson(t.url, { name: 'only here', price: 1 });
      expect(await (await fetch(`${other.url}/items`)).json()).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

describe('health', () => {
  it('live is always ok', async () => {
    t = await startTestApp();
    t.app.setReady(false);
    const res = await fetch(`${t.url}/health/live`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('ready is 200 while ready and 503 once shutting down', async () => {
    t = await startTestApp();
    const ok = await fetch(`${t.url}/health/ready`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ok' });

    t.app.setReady(false);
    expect(t.app.isReady()).toBe(false);
    const down = await fetch(`${t.url}/health/ready`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'shutting_down' });
    // Keep-alive clients are told to reconnect elsewhere while shutting down.
    expect(down.headers.get('connection')).toBe('close');
    expect(ok.headers.get('connection')).not.toBe('close');
  });
});

describe('routing', () => {
  it('answers 404 JSON for unknown paths', async () => {
    t = await startTestApp();
    for (const path of ['/nope', '/items/1', '/items/', '/health', '/metrics/x']) {
      const res = await fetch(`${t.url}${path}`);
      expect(res.status, path).toBe(404);
      expect(await res.json()).toEqual({ error: 'not found' });
    }
  });

  it('answers 405 JSON with an Allow header for a wrong method on a known route', async () => {
    t = await startTestApp();
    const del = await fetch(`${t.url}/items`, { method: 'DELETE' });
    expect(del.status).toBe(405);
    expect(del.headers.get('allow')).toBe('GET, POST');
    expect(await del.json()).toEqual({ error: 'method not allowed' });

    const head = await fetch(`${t.url}/items`, { method: 'HEAD' });
    expect(head.status).toBe(405);

    const post = await fetch(`${t.url}/health/live`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });

  it('ignores the query string when matching routes', async () => {
    t = await startTestApp();
    const res = await fetch(`${t.url}/items?page=2#frag`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([]);
  });

  it('does not treat a scheme-relative target as a host', async () => {
    t = await startTestApp();
    const res = await rawRequest(t.url, { path: '//evil.example/items' });
    expect(res.status).toBe(404);
  });

  it('serves /metrics in the Prometheus text format', async () => {
    t = await startTestApp();
    const res = await fetch(`${t.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('# TYPE app_requests_total counter');
    expect(text).toContain('# TYPE app_request_latency_seconds histogram');
    expect(text).toContain('# TYPE app_errors_total counter');
  });
});
