import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

import { createApp, type App, type AppOptions } from './app.js';
import type { ServerConfig } from './config.js';
import { createJsonLogger, type Logger } from './logger.js';

export interface RunningServer {
  app: App;
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  /**
   * Graceful stop: /health/ready turns 503, then after shutdownDelayMs the
   * listener closes (idle keep-alive connections are dropped, in-flight
   * requests finish); after shutdownTimeoutMs any remaining connection is cut.
   * Safe to call more than once.
   */
  shutdown(reason: string): Promise<void>;
}

export async function startServer(
  config: ServerConfig,
  extra: Pick<AppOptions, 'logger' | 'defaultMetrics'> = {},
): Promise<RunningServer> {
  const logger: Logger = extra.logger ?? createJsonLogger();
  const app = createApp({
    faultsEnabled: config.faultsEnabled,
    version: config.version,
    logger,
    defaultMetrics: extra.defaultMetrics ?? true,
  });

  await new Promise<void>((resolve, reject) => {
    app.once('error', reject);
    app.listen(config.port, config.host, () => {
      app.off('error', reject);
      resolve();
    });
  });

  const address = app.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info('listening', {
    host: address.address,
    port: address.port,
    faults_enabled: config.faultsEnabled,
  });

  let stopping: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      app.setReady(false);
      logger.info('shutting down', { reason, delay_ms: config.shutdownDelayMs });
      if (config.shutdownDelayMs > 0) await sleep(config.shutdownDelayMs);
      const force = setTimeout(() => {
        logger.warn('shutdown timeout reached, closing remaining connections', {
          timeout_ms: config.shutdownTimeoutMs,
        });
        app.closeAllConnections();
      }, config.shutdownTimeoutMs);
      force.unref();
      await new Promise<void>((resolve) => {
        app.close(() => resolve());
        app.closeIdleConnections();
      });
      clearTimeout(force);
      logger.info('stopped', { reason });
    })();
    return stopping;
  };

  return { app, url, shutdown };
}
