import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../../local/certificate.js';
import { httpGet } from './http.js';
import type { AddressInfo } from 'node:net';

describe('httpGet (readiness probe and metrics page)', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`# accept ${req.headers.accept}\nup 1\n`);
      } else if (req.url === '/slow') {
        setTimeout(() => res.end('late'), 2000);
      } else if (req.url === '/big') {
        res.end('x'.repeat(4096));
      } else {
        res.writeHead(503);
        res.end('not ready');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('returns the status and the whole body, with the headers asked for', async () => {
    const r = await httpGet(`${base}/metrics`, { timeoutMs: 2000, headers: { accept: 'text/plain;version=0.0.4' } });
    expect(r.status).toBe(200);
    expect(r.body).toBe('# accept text/plain;version=0.0.4\nup 1\n');
    expect((await httpGet(`${base}/health`, { timeoutMs: 2000 })).status).toBe(503);
  });

  it('rejects on a refused connection, on the deadline, on an oversized answer and on a non-http URL', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    await expect(httpGet(`http://127.0.0.1:${port}/`, { timeoutMs: 2000 })).rejects.toThrow(/ECONNREFUSED/);
    await expect(httpGet(`${base}/slow`, { timeoutMs: 200 })).rejects.toThrow(/no complete answer within 200 ms/);
    await expect(httpGet(`${base}/big`, { timeoutMs: 2000, maxBytes: 1024 })).rejects.toThrow(/exceeds 1024 bytes/);
    await expect(httpGet('file:///etc/passwd', { timeoutMs: 2000 })).rejects.toThrow(/not an http\(s\) URL/);
  });

  it('goes through TLS for an https URL (node:https): a self-signed certificate is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rs-https-'));
    try {
      const { keyPath: key, certPath: cert } = selfSignedCertificate(dir, 'metrics', '127.0.0.1');
      let served = 0;
      const tls = createHttpsServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => {
        served++;
        res.end('up 1\n');
      });
      await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
      try {
        const url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}/metrics`;
        await expect(httpGet(url, { timeoutMs: 5000 })).rejects.toThrow(/self[- ]signed certificate/);
        expect(served).toBe(0);
      } finally {
        await new Promise<void>((r) => tls.close(() => r()));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
