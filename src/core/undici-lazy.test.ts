import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { fetch, ProxyAgent } from './undici-lazy.js';

const undici = createRequire(import.meta.url)('undici/index.js') as typeof import('undici/index.js');

async function withServer(run: (url: string) => Promise<void>): Promise<void> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => res.end(`${req.method} ${req.headers['content-length'] ?? '-'} ${body || 'from loopback'}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await run(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** A global dispatcher that refuses every request, standing in for Node's built-in undici. */
class Foreign extends undici.Dispatcher {
  used = 0;
  override dispatch(): boolean {
    this.used++;
    throw new Error('the global dispatcher was used');
  }
}

describe('the lazy undici', () => {
  it('constructs the real ProxyAgent', async () => {
    const agent = new ProxyAgent({ uri: 'http://127.0.0.1:9' });
    expect(agent).toBeInstanceOf(undici.ProxyAgent);
    await (agent as unknown as InstanceType<typeof undici.ProxyAgent>).close();
  });

  it('fetches with the real fetch', async () => {
    await withServer(async (url) => {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('GET - from loopback');
    });
  });

  it("keeps to its own connection pool when another dispatcher is the process's global one (Node's own fetch ran first)", async () => {
    const before = undici.getGlobalDispatcher();
    const foreign = new Foreign();
    undici.setGlobalDispatcher(foreign);
    try {
      await withServer(async (url) => {
        const response = await fetch(url, { method: 'POST', body: Buffer.from('{"a":1}'), headers: { 'content-type': 'application/json' } });
        expect(await response.text()).toBe('POST 7 {"a":1}');
      });
      expect(foreign.used).toBe(0);
    } finally {
      undici.setGlobalDispatcher(before);
    }
  });
});
