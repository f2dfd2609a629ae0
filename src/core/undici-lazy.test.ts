import { createServer, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { connect, type Socket } from 'node:net';
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
  it('sends a request through the proxy it was given, the real ProxyAgent made on first use', async () => {
    // A loopback proxy that tunnels every CONNECT to the target and counts them.
    const tunnels: string[] = [];
    const proxy = createServer();
    proxy.on('connect', (req: IncomingMessage, client: Socket) => {
      tunnels.push(req.url ?? '');
      const [host, port] = (req.url ?? '').split(':');
      const upstream = connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const agent = new ProxyAgent({ uri: `http://127.0.0.1:${(proxy.address() as { port: number }).port}` });
    try {
      // Nothing is loaded or connected by the constructor: the agent waits for its first request.
      expect(agent).not.toBeInstanceOf(undici.Dispatcher);
      await withServer(async (url) => {
        const response = await fetch(url, { dispatcher: agent });
        expect(await response.text()).toBe('GET - from loopback');
        expect(tunnels).toEqual([new URL(url).host]);
        // One real agent per instance: a second request reuses it.
        expect(await agent.dispatcher()).toBe(await agent.dispatcher());
        expect(await agent.dispatcher()).toBeInstanceOf(undici.ProxyAgent);
      });
    } finally {
      await (await agent.dispatcher()).close();
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
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
