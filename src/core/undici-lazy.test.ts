import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { fetch, ProxyAgent } from './undici-lazy.js';

const undici = createRequire(import.meta.url)('undici/index.js') as typeof import('undici/index.js');

describe('the lazy undici', () => {
  it('constructs the real ProxyAgent', async () => {
    const agent = new ProxyAgent({ uri: 'http://127.0.0.1:9' });
    expect(agent).toBeInstanceOf(undici.ProxyAgent);
    await (agent as unknown as InstanceType<typeof undici.ProxyAgent>).close();
  });

  it('fetches with the real fetch', async () => {
    const server = createServer((_req, res) => res.end('from loopback'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('from loopback');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
