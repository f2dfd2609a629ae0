/**
 * The runner's file and workflow-command protocol, written out so the bundles do not carry an
 * HTTP client they never use (it tripled their start-up time). Escaping follows the runner:
 * data escapes %, CR, LF; properties also escape : and ,.
 */
import { randomUUID } from 'node:crypto';
import { appendFileSync, existsSync } from 'node:fs';
import { EOL } from 'node:os';
import { delimiter } from 'node:path';
import type { AnnotationProps } from './annotations.js';

export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function issueCommand(command: string, properties: Record<string, string | number | undefined>, message: string): void {
  const props = Object.entries(properties)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  process.stdout.write(`::${command}${props ? ` ${props}` : ''}::${escapeData(message)}${EOL}`);
}

function appendFileCommand(variable: string, text: string): boolean {
  const path = process.env[variable];
  if (!path) return false;
  if (!existsSync(path)) throw new Error(`${variable} names ${path}, which does not exist`);
  appendFileSync(path, text, 'utf8');
  return true;
}

/** name<<DELIM heredoc with a random delimiter that cannot occur in the value. */
function keyValue(name: string, value: string): string {
  const delim = `ghadelimiter_${randomUUID()}`;
  if (name.includes(delim) || value.includes(delim)) throw new Error('unexpected delimiter collision');
  return `${name}<<${delim}${EOL}${value}${EOL}${delim}${EOL}`;
}

export function setOutput(name: string, value: string): void {
  if (!appendFileCommand('GITHUB_OUTPUT', keyValue(name, value))) {
    process.stdout.write(EOL);
    issueCommand('set-output', { name }, value);
  }
}

export function setSecret(secret: string): void {
  // One mask per line: the runner masks line by line.
  for (const line of secret.split(/\r?\n/)) if (line.trim() !== '') issueCommand('add-mask', {}, line);
}

export function addPath(dir: string): void {
  if (!appendFileCommand('GITHUB_PATH', `${dir}${EOL}`)) issueCommand('add-path', {}, dir);
  process.env.PATH = `${dir}${delimiter}${process.env.PATH ?? ''}`;
}

export function appendSummary(markdown: string): void {
  appendFileCommand('GITHUB_STEP_SUMMARY', markdown.endsWith('\n') ? markdown : `${markdown}\n`);
}

export const info = (message: string): void => void process.stdout.write(`${message}${EOL}`);
export const debug = (message: string): void => issueCommand('debug', {}, message);

function annotation(kind: 'error' | 'warning' | 'notice', message: string, props: AnnotationProps = {}): void {
  issueCommand(kind, { title: props.title, file: props.file, line: props.startLine, endLine: props.endLine, col: props.startColumn }, message);
}
export const error = (message: string, props?: AnnotationProps): void => annotation('error', message, props);
export const warning = (message: string, props?: AnnotationProps): void => annotation('warning', message, props);
export const notice = (message: string, props?: AnnotationProps): void => annotation('notice', message, props);

export async function group<T>(name: string, fn: () => Promise<T>): Promise<T> {
  issueCommand('group', {}, name);
  try {
    return await fn();
  } finally {
    issueCommand('endgroup', {}, '');
  }
}

export function setFailed(message: string): void {
  process.exitCode = 1;
  error(message);
}
