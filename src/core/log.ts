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
 * Characters the runner may skip when it looks for a command: .NET trims Unicode white space
 * before `::`, and a culture-aware IndexOf("##[") can ignore zero-width and control characters
 * between the three. Neutralising tolerates them all, so no spelling slips through.
 */
const IGNORABLE = String.raw`[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}]`;
const LEGACY_FORM = new RegExp(String.raw`#${IGNORABLE}*#${IGNORABLE}*\[`, 'gu');
const LINE_START_FORM = new RegExp(String.raw`^((?:\s|\u0085|${IGNORABLE})*):${IGNORABLE}*:`, 'u');

/**
 * Makes text safe to print as a plain log line: the runner executes `::cmd::` at the start of a
 * line and the legacy `##[cmd]` anywhere in one, so each is broken with a space (visible, plain
 * ASCII: an invisible character could itself be ignored by the runner's matching). Every line
 * (CR, LF or CRLF, as the runner splits them) is treated. Every log path goes through this.
 */
export function neutraliseCommands(text: string): string {
  if (!text.includes(':') && !text.includes('#')) return text;
  return text
    .split(/(\r\n|\r|\n)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(LEGACY_FORM, '## [').replace(LINE_START_FORM, '$1: :')))
    .join('');
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

/** Longest line the live log shows; the rest of a longer line is cut (the tool's own buffer keeps it). */
export const MAX_LOG_LINE = 16 * 1024;

/**
 * Live output between stop-commands markers, line by line. Each chunk is scanned once and a
 * line is kept only up to MAX_LOG_LINE characters, so a 600 MB single line costs its bytes once
 * (linear) and never holds the event loop (the tool's timeout must still fire).
 */
export function streamBetweenMarkers(write: (line: string) => void): { write(chunk: string): void; end(): void } {
  const token = `rs-${randomUUID()}`;
  let open = false;
  let pending = '';
  let cut = 0;
  const append = (part: string) => {
    const room = MAX_LOG_LINE - pending.length;
    if (part.length <= room) pending += part;
    else {
      if (room > 0) pending += part.slice(0, room);
      cut += part.length - Math.max(room, 0);
    }
  };
  const finish = (): string => {
    const line = cut > 0 ? `${pending} [... ${cut} more characters of this line not shown]` : pending;
    pending = '';
    cut = 0;
    return line;
  };
  return {
    write(chunk) {
      if (!open) {
        write(`::stop-commands::${token}`);
        open = true;
      }
      // Complete lines of one chunk go out in one write.
      const lines: string[] = [];
      let start = 0;
      for (let nl = chunk.indexOf('\n', start); nl >= 0; nl = chunk.indexOf('\n', start)) {
        append(chunk.slice(start, nl));
        lines.push(finish());
        start = nl + 1;
      }
      if (start < chunk.length) append(chunk.slice(start));
      if (lines.length > 0) write(lines.join('\n'));
    },
    end() {
      if (!open) return;
      if (pending || cut) write(finish());
      write(`::${token}::`);
      open = false;
    },
  };
}

export function actionsLogger(): Logger {
  return {
    info: (m) => core.info(neutraliseCommands(m)),
    warning: (m) => core.warning(neutraliseCommands(m)),
    debug: (m) => core.debug(neutraliseCommands(m)),
    group: (name, fn) => core.group(neutraliseCommands(name), fn),
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
