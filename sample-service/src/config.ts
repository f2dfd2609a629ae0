export interface ServerConfig {
  port: number;
  host: string;
  faultsEnabled: boolean;
  /** Overrides the package.json version reported by GET /. */
  version?: string;
  /** How long /health/ready reports 503 before the listener closes. */
  shutdownDelayMs: number;
  /** How long in-flight requests get after close() before connections are cut. */
  shutdownTimeoutMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be an integer, got ${JSON.stringify(raw)}`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

/**
 * Reads the server settings from the environment:
 * PORT (default 8080), HOST (default 0.0.0.0), FAULTS_ENABLED ("1" enables
 * the /fault/* endpoints; anything else leaves them off), APP_VERSION,
 * SHUTDOWN_DELAY_MS (default 0), SHUTDOWN_TIMEOUT_MS (default 10000).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: env.HOST && env.HOST.trim() !== '' ? env.HOST.trim() : '0.0.0.0',
    faultsEnabled: env.FAULTS_ENABLED === '1',
    version: env.APP_VERSION && env.APP_VERSION.trim() !== '' ? env.APP_VERSION.trim() : undefined,
    shutdownDelayMs: integer(env, 'SHUTDOWN_DELAY_MS', 0, 0, 600_000),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
  };
}
