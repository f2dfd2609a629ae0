import { randomUUID } from 'node:crypto';
import * as core from './runner.js';

/** What gates may use to talk to the log; no @actions/core inside gates. */
export interface Logger {
  info(message: string): void;
  warning(message: string): void;
  debug(message: string): void;
  group<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Prints text that came from a tool or a file: workflow commands inside it are not run. */
  untrusted(text: string): void;
  /** The same for output that arrives in chunks (a running tool); call end() once. */
  untrustedStream(): { write(chunk: string): void; end(): void };
}

/**
 * Prints untrusted text between ::stop-commands:: markers so a line such as "::error::x" or
 * "::add-mask::" in tool output or a file name is shown, not executed.
 */
export function printUntrusted(write: (line: string) => void, text: string): void {
  if (text === '') return;
  const token = `rs-${randomUUID()}`;
  write(`::stop-commands::${token}`);
  write(text.endsWith('\n') ? text.slice(0, -1) : text);
  write(`::${token}::`);
}

function streamBetweenMarkers(write: (line: string) => void): { write(chunk: string): void; end(): void } {
  const token = `rs-${randomUUID()}`;
  let open = false;
  let pending = '';
  return {
    write(chunk) {
      if (!open) {
        write(`::stop-commands::${token}`);
        open = true;
      }
      pending += chunk;
      const cut = pending.lastIndexOf('\n');
      if (cut >= 0) {
        write(pending.slice(0, cut));
        pending = pending.slice(cut + 1);
      }
    },
    end() {
      if (!open) return;
      if (pending) write(pending);
      pending = '';
      write(`::${token}::`);
      open = false;
    },
  };
}

export function actionsLogger(): Logger {
  return {
    info: (m) => core.info(m),
    warning: (m) => core.warning(m),
    debug: (m) => core.debug(m),
    group: (name, fn) => core.group(name, fn),
    untrusted: (text) => printUntrusted((line) => core.info(line), text),
    untrustedStream: () => streamBetweenMarkers((line) => core.info(line)),
  };
}

/** For the local CLI and unit tests: plain console output, groups as headings. */
export function consoleLogger(quiet = false): Logger {
  const out = (m: string) => {
    if (!quiet) process.stdout.write(`${m}\n`);
  };
  return {
    info: out,
    warning: (m) => out(`warning: ${m}`),
    debug: () => {},
    group: async (name, fn) => {
      out(`== ${name}`);
      return fn();
    },
    untrusted: out,
    untrustedStream: () => ({ write: (chunk) => (quiet ? undefined : process.stdout.write(chunk)), end: () => {} }),
  };
}
