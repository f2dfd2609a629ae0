/** The audit gate's options and the shape every ecosystem's tool run reports in. */
import type { Lockfile } from './lockfile.js';
import type { FailOn, VulnFinding } from './model.js';

export { FAIL_ON_LEVELS } from './model.js';
export const AUDIT_ECOSYSTEMS = ['auto', 'npm', 'python'] as const;
export const AUDIT_SCOPES = ['runtime', 'all'] as const;
/** Which advisories are judged: all of them, or only those the change introduces (see introduced.ts). */
export const AUDIT_ADVISORIES = ['all', 'introduced'] as const;
/** What a finding with no severity at all (no rating, no CVSS score) does to the gate. */
export const UNKNOWN_SEVERITY_MODES = ['fail', 'warn'] as const;

export interface AuditOptions {
  ecosystem: (typeof AUDIT_ECOSYSTEMS)[number];
  /** Absolute directory holding the lockfile. */
  workingDirectory: string;
  failOn: FailOn;
  scope: (typeof AUDIT_SCOPES)[number];
  /**
   * 'all' judges every advisory; 'introduced' (pull requests and merge groups, npm) only those
   * the change brings in against the base commit's lockfile, listing the rest as existing.
   */
  advisories?: (typeof AUDIT_ADVISORIES)[number];
  /** Absolute path of the exceptions file. */
  exceptionsFile: string;
  /** The user named the file: then it must exist. */
  exceptionsFileExplicit: boolean;
  /**
   * The base commit of a pull request or merge group: the exceptions file (and a repository
   * `.npmrc` that sets the registry) are judged as that commit has them. Undefined elsewhere.
   */
  baseCommit?: string;
  /** How many days ahead an exception's expiry may lie; a later one suppresses nothing. Undefined: no cap. */
  maxExceptionDays?: number;
  /**
   * A finding with no severity (pip-audit gives none; some advisories have neither rating nor
   * CVSS) cannot be compared with failOn: 'fail' (default) blocks it, 'warn' reports it.
   */
  unknownSeverity?: (typeof UNKNOWN_SEVERITY_MODES)[number];
  /** npm registry URL passed as --registry; '' keeps npm's own configuration. */
  registry: string;
  timeoutMs: number;
  /** The gate's clock, for exception expiry. */
  now: Date;
  /** Extra attempts after a network failure or 5xx from the advisory service. */
  retries?: number;
  retryDelayMs?: number;
  npmCommand?: string;
  pipAuditCommand?: string;
}

export interface ToolRun {
  tool: string;
  version: string;
  configSha256?: string;
  /** Repo-relative lockfile or requirements file the findings point at ('' for an environment). */
  manifest: string;
  findings: VulnFinding[];
  dependencies?: number;
  skipped?: { name: string; reason: string }[];
  npmCounts?: Record<string, number>;
  /** npm: where the advisories were asked for. */
  registry?: RegistryUse;
  /** npm: the lockfile the findings point into (for advisories: introduced). */
  lockfile?: Lockfile;
}

/** The registry npm sends the bulk advisory request to, and why. */
export interface RegistryUse {
  /** Credentials redacted; '' when it could not be told. */
  url: string;
  /** 'input "registry"', "npm's default", a repo-relative .npmrc, or the npm config layer that set it. */
  source: string;
  /** A .npmrc inside the repository changed the registry while input "registry" is empty. */
  projectOverride?: { file: string; line?: number; instead: string };
  /** Why the registry could not be told. */
  error?: string;
}
