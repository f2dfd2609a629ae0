/**
 * Minimal structured logger: one JSON object per line.
 *
 * The sink is injectable so tests can capture exactly what would have gone
 * to stdout. Callers pass explicit fields; nothing here ever looks at a
 * request, so request bodies and headers cannot leak in by accident.
 */

export type LogLevel = 'info' | 'warn' | 'error';

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export type LogSink = (line: string) => void;

export const stdoutSink: LogSink = (line) => {
  process.stdout.write(line + '\n');
};

export function createJsonLogger(sink: LogSink = stdoutSink, now: () => Date = () => new Date()): Logger {
  const write = (level: LogLevel, msg: string, fields: LogFields = {}): void => {
    const entry: Record<string, unknown> = { ts: now().toISOString(), level, msg };
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined && !(key in entry)) entry[key] = value;
    }
    sink(JSON.stringify(entry));
  };
  return {
    info: (msg, fields) => write('info', msg, fields),
    warn: (msg, fields) => write('warn', msg, fields),
    error: (msg, fields) => write('error', msg, fields),
  };
}
