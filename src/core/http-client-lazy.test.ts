import { createServer } from 'node:http';
import * as real from '@actions/http-client';
import { describe, expect, it } from 'vitest';
import { HttpClient } from './http-client-lazy.js';

describe('the lazy @actions/http-client', () => {
  it('constructs the real HttpClient, which makes requests', async () => {
    const server = createServer((req, res) => res.end(JSON.stringify({ agent: req.headers['user-agent'] })));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const client = new HttpClient('release-safety-test');
      expect(client).toBeInstanceOf(real.HttpClient);
      const response = await client.getJson<{ agent: string }>(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
      expect(response).toMatchObject({ statusCode: 200, result: { agent: 'release-safety-test' } });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
