// The rules gate's types: options in, what collect gathers, what judge and render read.
import type { ExecResult } from '../../core/exec.js';
import type { ResolvedPromtool } from '../../tools/promtool.js';
import type { BaselineFile } from './baseline-load.js';
import type { BaselineInForce } from './baseline.js';
import type { HygienePolicy, Level } from './hygiene.js';
import type { RuleFile } from './sources.js';
import type { TestFile, TestGroup } from './testfiles.js';

/** The rules gate's options: what the action's inputs say, with promtool already resolved. */
export interface RulesOptions {
  /** Globs (relative to the workspace) of rule files: plain or PrometheusRule resources. */
  rules: string[];
  /** Globs of promtool rule test files; may be empty. */
  tests: string[];
  /**
   * The promtool to run (src/tools/promtool.ts acquires it), or why none could be had: the gate
   * still reads every file and reports, with status `error`.
   */
  promtool: ResolvedPromtool | { unavailable: string };
  hygiene: HygienePolicy;
  coverage: Level;
  /**
   * Limit hygiene findings to rule files changed between baseSha and headSha. Coverage is never
   * limited: deleting a test changes no rule file, and coverage costs nothing to compute.
   */
  onlyChanged: boolean;
  baseSha?: string;
  headSha: string;
  timeoutMs: number;
  /** Further roots globbed files may lead to besides the workspace (RUNNER_TEMP). */
  otherRoots?: string[];
  /** The rules baseline file (baseline.ts); undefined: none. */
  baseline?: BaselineFile;
  /** The base commit whose baseline applies (pull requests and merge groups); undefined: the checkout's. */
  policyBase?: string;
  /** Where the baseline-path output file is written; undefined: not written. */
  outputDir?: string;
  /** Judging baseline expiries; default now. */
  now?: Date;
}

export interface AlertEvidence {
  name: string;
  severity: string;
  file: string;
  line: number;
  tested: boolean;
  fires: { test: string; evalTime: string; labels: Record<string, string>; failed?: true }[];
  silent: { test: string; evalTime: string; failed?: true }[];
}

/** One test group's outcome (or, without a group, failures promtool named no group for). */
export interface GroupResult {
  test: TestFile;
  group?: TestGroup;
  failures: string[];
}

/** `promtool check rules` as run: its result and the rule file behind each path it was given. */
export interface CheckRun {
  result: ExecResult;
  /** Paths as given to promtool (the early run may hold files that turned out unparsable). */
  paths: string[];
  files: Map<string, RuleFile>;
}

/** Everything the collect phase gathered: what the files hold and what the tools reported. */
export interface CollectedRules {
  ruleFiles: RuleFile[];
  testFiles: TestFile[];
  check?: CheckRun;
  groupResults: GroupResult[];
  /** Hygiene findings for the files in scope (ours, computed while collecting). */
  hygieneFindings: RuleFile['findings'];
  /** What could not be looked at: any one makes the verdict `error`. */
  problems: string[];
  promtool?: { path: string; version: string; source: ResolvedPromtool['source']; junit: boolean };
  /** Set when hygiene was limited to the changed files. */
  scope?: { files: Set<string>; inScope: number };
  /** Set when only-changed could not list the changed files. */
  scopeFallback?: string;
  /** The rule files hygiene ran on (repository-relative). */
  hygieneFiles?: Set<string>;
  /** The baseline that applies, when there is one. */
  baseline?: BaselineInForce;
}
