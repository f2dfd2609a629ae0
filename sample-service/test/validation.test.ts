import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { NAME_MAX_LENGTH, validateNewItem } from '../src/validation.js';
import { postJson, rawRequest, startTestApp, type TestApp } from './helpers.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('POST /items validation', () => {
  const cases: [string, unknown, string][] = [
    ['empty body', '', 'invalid JSON body'],
    ['malformed JSON', '{"name": "x", ', 'invalid JSON body'],
    ['array body', [], 'body must be a JSON object'],
    ['null body', null, 'body must be a JSON object'],
    ['number body', 42, 'body must be a JSON object'],
    ['string body', '"name"', 'body must be a JSON object'],
    ['missing name', { price: 1 }, 'name is required'],
    ['null name', { name: null, price: 1 }, 'name is required'],
    ['numeric name', { name: 5, price: 1 }, 'name must be a string'],
    ['empty name', { name: '', price: 1 }, 'name must not be empty'],
    ['blank name', { name: '   \t', price: 1 }, 'name must not be empty'],
    ['long name', { name: 'x'.repeat(NAME_MAX_LENGTH + 1), price: 1 }, 'name must be at most 100 characters'],
    ['missing price', { name: 'x' }, 'price is required'],
    ['null price', { name: 'x', price: null }, 'price is required'],
    ['string price', { name: 'x', price: '5' }, 'price must be a number'],
    ['boolean price', { name: 'x', price: true }, 'price must be a number'],
    ['infinite price', '{"name":"x","price":1e999}', 'price must be a finite number'],
    ['negative price', { name: 'x', price: -0.01 }, 'price must be >= 0'],
  ];

  it.each(cases)('rejects %s with 400', async (_label, body, reason) => {
    const res = await postJson(t.url, body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await res.json()).toEqual({ error: reason });
  });

  it('rejects a missing content type', async () => {
    const res = await rawRequest(t.url, {
      method: 'POST',
      path: '/items',
      body: '{"name":"x","price":1}',
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: 'content-type must be application/json' });
  });

  it('rejects a non-JSON content type', async () => {
    const res = await fetch(`${t.url}/items`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"name":"x","price":1}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'content-type must be application/json' });
  });

  it('accepts a body of exactly 64 KiB', async () => {
    const base = JSON.stringify({ name: 'x', price: 1, pad: '' });
    const body = JSON.stringify({ name: 'x', price: 1, pad: 'p'.repeat(64 * 1024 - base.length) });
    expect(Buffer.byteLength(body)).toBe(64 * 1024);
    const res = await postJson(t.url, body);
    expect(res.status).toBe(201);
  });

  it('answers 413 to a body one byte over 64 KiB', async () => {
    const body = '{"pad":"' + 'p'.repeat(64 * 1024 - 9) + '"}';
    expect(Buffer.byteLength(body)).toBe(64 * 1024 + 1);
    const res = await postJson(t.url, body);
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ error: 'request body exceeds 65536 bytes' });
    // The connection stays usable for the next request.
    expect((await fetch(`${t.url}/health/live`)).status).toBe(200);
  });

  it('answers 413 to an oversized chunked body', async () => {
    const chunk = Buffer.alloc(16 * 1024, 'a');
    const res = await rawRequest(t.url, {
      method: 'POST',
      path: '/items',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      body: Array.from({ length: 8 }, () => chunk),
    });
    expect(res.status).toBe(413);
  });

  it('answers 413 without reading a body declared far over the limit', async () => {
    const res = await rawRequest(t.url, {
      method: 'POST',
      path: '/items',
      headers: { 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) },
    });
    expect(res.status).toBe(413);
    expect(res.headers.connection).toBe('close');
  });
});

describe('validateNewItem', () => {
  it('counts name length in code points', () => {
    expect(validateNewItem({ name: '😀'.repeat(100), price: 1 }).ok).toBe(true);
    expect(validateNewItem({ name: '😀'.repeat(101), price: 1 })).toEqual({
      ok: false,
      error: 'name must be at most 100 characters',
    });
  });

  it('keeps only name and price', () => {
    expect(validateNewItem({ name: 'n', price: 2, id: 99, admin: true })).toEqual({
      ok: true,
      value: { name: 'n', price: 2 },
    });
  });

  it('rejects NaN', () => {
    expect(validateNewItem({ name: 'n', price: Number.NaN })).toEqual({
      ok: false,
      error: 'price must be a finite number',
    });
  });
});
