import { describe, expect, it } from 'vitest';

import { ConfigError, loadConfig, type ServerConfig } from '../src/config.js';
import { startServer } from '../src/lifecycle.js';
import { createJsonLogger } from '../src/logger.js';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      faultsEnabled: false,
      version: undefined,
      shutdownDelayMs: 0,
      shutdownTimeoutMs: 10_000,
    });
  });

  it('reads the environment', () => {
    expect(
      loadConfig({
        PORT: '9090',
        HOST: '127.0.0.1',
        FAULTS_ENABLED: '1',
        APP_VERSION: '1.2.3',
        SHUTDOWN_DELAY_MS: '250',
        SHUTDOWN_TIMEOUT_MS: '500',
      }),
    ).toEqual({
      port: 9090,
      host: '127.0.0.1',
      faultsEnabled: true,
      version: '1.2.3',
      shutdownDelayMs: 250,
      shutdownTimeoutMs: 500,
    });
  });

  it.each(['0', 'true', 'yes', ''])('only FAULTS_ENABLED=1 enables faults (not %j)', (value) => {
    expect(loadConfig({ FAULTS_ENABLED: value }).faultsEnabled).toBe(false);
  });

  it.each([['PORT', 'abc'], ['PORT', '70000'], ['PORT', '-1'], ['SHUTDOWN_DELAY_MS', '1.5']])(
    'rejects %s=%s',
    (name, value) => {
      expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    },
  );
});

describe('startServer', () => {
  const config = (overrides: Partial<ServerConfig> = {}): ServerConfig => ({
    port: 0,
    host: '127.0.0.1',
    faultsEnabled: false,
    shutdownDelayMs: 0,
    shutdownTimeoutMs: 5_000,
    ...overrides,
  });

  it('listens, then on shutdown reports not ready before closing', async () => {
    const lines: string[] = [];
    const running = await startServer(config({ shutdownDelayMs: 300, faultsEnabled: true }), {
      logger: createJsonLogger((l) => lines.push(l)),
      defaultMetrics: false,
    });
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${running.url}/health/ready`)).status).toBe(200);
    expect((await fetch(`${running.url}/fault/error`)).status).toBe(500);

    const stopped = running.shutdown('test');
    expect(running.shutdown('again')).toBe(stopped);
    const during = await fetch(`${running.url}/health/ready`, { headers: { connection: 'close' } });
    expect(during.status).toBe(503);
    expect((await fetch(`${running.url}/health/live`, { headers: { connection: 'close' } })).status).toBe(200);

    await stopped;
    expect(running.app.listening).toBe(false);
    await expect(fetch(`${running.url}/health/live`)).rejects.toThrow();
    const msgs = lines.map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(msgs[0]).toBe('listening');
    expect(msgs).toContain('shutting down');
    expect(msgs.at(-1)).toBe('stopped');
  });

  it('lets an in-flight request finish during shutdown', async () => {
    const running = await startServer(config({ faultsEnabled: true }), {
      logger: createJsonLogger(() => undefined),
      defaultMetrics: false,
    });
    const slow = fetch(`${running.url}/fault/slow?ms=200`);
    await new Promise((r) => setTimeout(r, 50));
    await running.shutdown('test');
    const res = await slow;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', slept_ms: 200 });
  });

  it('cuts connections that outlive the shutdown timeout', async () => {
    const running = await startServer(config({ faultsEnabled: true, shutdownTimeoutMs: 100 }), {
      logger: createJsonLogger(() => undefined),
      defaultMetrics: false,
    });
    const slow = fetch(`${running.url}/fault/slow?ms=5000`).then(
      () => 'answered',
      () => 'cut',
    );
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await running.shutdown('test');
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(await slow).toBe('cut');
  });

  it('rejects when the port is taken', async () => {
    const first = await startServer(config(), { logger: createJsonLogger(() => undefined), defaultMetrics: false });
    try {
      const port = Number(new URL(first.url).port);
      await expect(
        startServer(config({ port }), { logger: createJsonLogger(() => undefined), defaultMetrics: false }),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.shutdown('test');
    }
  });
});
