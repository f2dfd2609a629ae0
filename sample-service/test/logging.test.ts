import { afterEach, describe, expect, it } from 'vitest';

import { createJsonLogger } from '../src/logger.js';
import { postJson, startTestApp, type TestApp } from './helpers.js';

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const requestLines = (app: TestApp) => app.logs().filter((l) => l.msg === 'request');

describe('request logs', () => {
  it('writes one JSON line per request with the expected fields', async () => {
    t = await startTestApp();
    await fetch(`${t.url}/items?secret_query=abc123`);
    await fetch(`${t.url}/missing`);

    expect(t.lines).toHaveLength(2);
    const [first, second] = requestLines(t);
    expect(first).toMatchObject({ level: 'info', method: 'GET', path: '/items', endpoint: '/items', status: 200 });
    expect(Object.keys(first ?? {}).sort()).toEqual(
      ['duration_ms', 'endpoint', 'level', 'method', 'msg', 'path', 'status', 'ts'].sort(),
    );
    expect(typeof first?.duration_ms).toBe('number');
    expect(first?.duration_ms as number).toBeGreaterThanOrEqual(0);
    expect(new Date(first?.ts as string).toISOString()).toBe(first?.ts);
    expect(second).toMatchObject({ level: 'info', path: '/missing', endpoint: 'unknown', status: 404 });
    expect(t.lines.join('\n')).not.toContain('abc123');
  });

  it('never logs request bodies or headers', async () => {
    t = await startTestApp();
    const secret = 'hunter2-body-secret'; // gitleaks:allow (a test value the logger must never print)
    const headerSecret = 'Bearer header-secret-token';
    await postJson(t.url, { name: secret, price: 1 }, { authorization: headerSecret, cookie: 'sid=cookie-secret' });
    await postJson(t.url, `{"name": "${secret}", broken`, { authorization: headerSecret });
    await postJson(t.url, { name: secret, price: -1 });

    const all = t.lines.join('\n');
    expect(requestLines(t)).toHaveLength(3);
    for (const needle of [secret, 'header-secret-token', 'cookie-secret', 'authorization']) {
      expect(all).not.toContain(needle);
    }
    expect(requestLines(t).map((l) => l.status)).toEqual([201, 400, 400]);
  });

  it('logs 5xx request lines at level error', async () => {
    t = await startTestApp({ faultsEnabled: true });
    await fetch(`${t.url}/fault/error`);
    expect(requestLines(t)[0]).toMatchObject({ level: 'error', status: 500, endpoint: '/fault/error' });
  });

  it('logs an unhandled exception at level error with its message, then the request line', async () => {
    t = await startTestApp({ faultsEnabled: true });
    await fetch(`${t.url}/fault/exception?token=zzz`);
    const logs = t.logs();
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatchObject({
      level: 'error',
      msg: 'unhandled exception',
      method: 'GET',
      path: '/fault/exception',
      endpoint: '/fault/exception',
      error: 'simulated exception from /fault/exception',
      error_type: 'Error',
    });
    expect(typeof logs[0]?.stack).toBe('string');
    expect(logs[1]).toMatchObject({ level: 'error', msg: 'request', status: 500 });
    expect(t.lines.join('\n')).not.toContain('zzz');
  });
});

describe('createJsonLogger', () => {
  it('writes ts, level and msg first and drops undefined fields', () => {
    const lines: string[] = [];
    const logger = createJsonLogger((l) => lines.push(l), () => new Date('2024-01-02T03:04:05.000Z'));
    logger.warn('hello', { a: 1, b: undefined, level: 'spoofed' });
    expect(lines).toEqual(['{"ts":"2024-01-02T03:04:05.000Z","level":"warn","msg":"hello","a":1}']);
  });

  it('writes to stdout by default', () => {
    const writes: string[] = [];
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      writes.push(chunk);
      return true;
    }) as typeof process.stdout.write;
    try {
      createJsonLogger().info('to-stdout');
    } finally {
      process.stdout.write = original;
    }
    expect(writes).toHaveLength(1);
    expect(writes[0]?.endsWith('\n')).toBe(true);
    expect(JSON.parse(writes[0] as string)).toMatchObject({ level: 'info', msg: 'to-stdout' });
  });
});
