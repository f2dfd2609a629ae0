/**
 * Which registry npm asks for advisories, and where that setting came from: input `registry`,
 * a config layer outside the repository, or a `.npmrc` inside it (which the change under review
 * can edit, so it is reported with its file and line).
 */
import { readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { repoRelative } from '../../core/annotations.js';
import { describeExit, execTool, lastLines } from '../../core/exec.js';
import type { GateRuntime } from '../../core/gate.js';
import type { AuditOptions, RegistryUse } from './options.js';

/** A registry URL may carry user:token@; the log shows *** instead. */
export function redactUrlCredentials(text: string): string {
  return text.replace(/(https?:\/\/)[^/@\s]+@/gi, '$1***@');
}

/** A registry URL from a config file, fit for one line of a message: credentials hidden, no control characters. */
function shownRegistry(value: string): string {
  // eslint-disable-next-line no-control-regex
  const controlOrSpace = /[\u0000-\u001f\u007f\s]+/g;
  const flat = redactUrlCredentials(value).replace(controlOrSpace, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 197)}...` : flat;
}

function sameRegistry(a: string, b: string): boolean {
  const norm = (u: string) => u.trim().toLowerCase().replace(/\/*$/, '/');
  return norm(a) === norm(b);
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function insideRepository(file: string, workspace: string): boolean {
  if (!isAbsolute(file)) return false;
  const rel = relative(realOrSelf(workspace), realOrSelf(file));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** 1-based line of the first unscoped `registry =` in an npmrc file, when it can be read. */
function registryLine(file: string): number | undefined {
  try {
    const i = readFileSync(file, 'utf8')
      .split(/\r?\n/)
      .findIndex((l) => /^\s*registry\s*=/.test(l));
    return i >= 0 ? i + 1 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Which registry npm will ask for advisories. The `registry` input is passed as --registry and
 * beats every .npmrc. Without it, npm's configuration decides, and a .npmrc committed in the
 * repository (the project's, which the change under review can edit) can point the advisory
 * query at any server: that is reported, with the file, and what npm would use without it.
 */
export async function resolveNpmRegistry(npm: string, opts: AuditOptions, runtime: GateRuntime): Promise<RegistryUse> {
  if (opts.registry) return { url: shownRegistry(opts.registry), source: 'input "registry"' };
  let r;
  try {
    r = await execTool(npm, ['config', 'ls'], { cwd: opts.workingDirectory, timeoutMs: 30_000 });
  } catch (error) {
    return { url: '', source: 'unknown', error: redactUrlCredentials((error as Error).message) };
  }
  if (r.timedOut || r.signal || r.exitCode !== 0) {
    return { url: '', source: 'unknown', error: redactUrlCredentials(`npm config ls ${describeExit(r)}: ${lastLines(r.stderr, 3) || '(no error output)'}`) };
  }
  const settings = registrySettings(r.stdout);
  const i = settings.map((x) => x.active).lastIndexOf(true);
  if (i < 0) return { url: NPM_DEFAULT_REGISTRY, source: "npm's default" };
  const set = settings[i]!;
  const url = shownRegistry(set.value);
  if (!insideRepository(set.source, runtime.workspace)) {
    const source =
      set.layer === 'env'
        ? 'environment (npm_config_registry)'
        : isAbsolute(set.source)
          ? `${set.layer} config ${set.source}`
          : `${set.layer} config (${set.source})`;
    return { url, source };
  }
  const file = repoRelative(realOrSelf(set.source), realOrSelf(runtime.workspace));
  // What npm would use without the repository's files: the last setting from outside it.
  const outside = settings.slice(0, i).filter((x) => !insideRepository(x.source, runtime.workspace));
  const instead = outside.length > 0 ? outside.at(-1)!.value : NPM_DEFAULT_REGISTRY;
  if (sameRegistry(set.value, instead)) return { url, source: file };
  const line = registryLine(set.source);
  return { url, source: file, projectOverride: { file, ...(line ? { line } : {}), instead: shownRegistry(instead) } };
}

/** npm's registry when no config layer sets one. */
export const NPM_DEFAULT_REGISTRY = 'https://registry.npmjs.org/';

export interface RegistrySetting {
  /** npm's name for the config layer: "global", "user", "project", "env", "cli", "builtin". */
  layer: string;
  /** What npm says the layer came from: a file path, "environment", "command line options". */
  source: string;
  /** The value as npm prints it (npm already hides a URL's password as ***). */
  value: string;
  /** npm marks a value a later layer overrides with "; overridden by <layer>". */
  active: boolean;
}

/**
 * The `registry` settings in the text of `npm config ls` (npm 7 and later), in npm's order
 * (lowest precedence first). The layers look like
 *
 *   ; "project" config from /repo/app/.npmrc
 *
 *   registry = "http://mirror.example/"
 *
 * and a value overridden by a later layer is commented: `; registry = "…" ; overridden by env`.
 * `npm config get registry` would be simpler but refuses ("protected") when the URL holds
 * credentials, and does not say where the value came from.
 */
export function registrySettings(configLs: string): RegistrySetting[] {
  const out: RegistrySetting[] = [];
  let layer = '';
  let source = '';
  const value = (quoted: string) => {
    try {
      const v: unknown = JSON.parse(quoted);
      return typeof v === 'string' ? v : quoted;
    } catch {
      return quoted;
    }
  };
  for (const raw of configLs.split(/\r?\n/)) {
    const line = raw.trim();
    const header = /^; "([^"]+)" config from (.+)$/.exec(line);
    if (header) {
      layer = header[1]!;
      source = header[2]!.trim();
      continue;
    }
    const active = /^registry = (.+)$/.exec(line);
    if (active && layer) {
      out.push({ layer, source, value: value(active[1]!.trim()), active: true });
      continue;
    }
    const overridden = /^; registry = (.+?) ; overridden by \S+$/.exec(line);
    if (overridden && layer) out.push({ layer, source, value: value(overridden[1]!.trim()), active: false });
  }
  return out;
}
