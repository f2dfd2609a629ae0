import { ConfigError, loadConfig } from './config.js';
import { startServer } from './lifecycle.js';
import { createJsonLogger } from './logger.js';

const logger = createJsonLogger();

process.on('uncaughtException', (err) => {
  logger.error('uncaught exception', { error: err.message, error_type: err.name, stack: err.stack });
  process.exit(1);
});
process.on('unhandledRejection', (reason) => {
  logger.error('unhandled rejection', { error: reason instanceof Error ? reason.message : String(reason) });
  process.exit(1);
});

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      logger.error('invalid configuration', { error: err.message });
      process.exit(2);
    }
    throw err;
  }

  const running = await startServer(config, { logger });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void running.shutdown(signal).then(() => process.exit(0));
    });
  }
}

main().catch((err: unknown) => {
  logger.error('failed to start', {
    error: err instanceof Error ? err.message : String(err),
    stack: err instanceof Error ? err.stack : undefined,
  });
  process.exit(1);
});
