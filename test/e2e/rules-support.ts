// Helpers shared by the rules gate end-to-end tests: scratch workspaces, one gate run, its record.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { REPO_ROOT, runAction, type ActionRun } from '../../src/local/harness.js';

export const PROMTOOL = '/usr/bin/promtool';
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'rules');

const created: string[] = [];
/** A directory in the system temp directory, removed after the file's tests. */
export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'rs-rules-'));
  created.push(dir);
  return dir;
}
/** Removes every directory scratchDir and workspace made (call in afterAll). */
export function removeScratchDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A scratch workspace holding copies of the named fixture directories (and the sample rules). */
export function workspace(...fixtures: string[]): string {
  const ws = scratchDir();
  for (const f of fixtures) cpSync(join(FIXTURES, f), join(ws, f), { recursive: true });
  cpSync(join(REPO_ROOT, 'sample-service', 'prometheus'), join(ws, 'sample-service', 'prometheus'), { recursive: true });
  return ws;
}

export function rules(ws: string, inputs: Record<string, string>, extra: Partial<Parameters<typeof runAction>[1]> = {}): Promise<ActionRun> {
  return runAction('rules', { workspace: ws, inputs: { 'promtool-path': PROMTOOL, ...inputs }, ...extra });
}

/** The gate's scratch directory (converted rules, rewritten tests, JUnit report) is removed. */
export function noScratchLeft(run: ActionRun) {
  expect(readdirSync(run.runnerTemp).filter((n) => n.startsWith('release-safety-rules-'))).toEqual([]);
}

export function noStackTrace(run: ActionRun) {
  expect(`${run.stdout}\n${run.stderr}`).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' }).trim();
}

export { evidenceOf } from './workspace.js';
