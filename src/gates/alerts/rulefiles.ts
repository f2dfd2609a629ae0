/**
 * Collect phase, part: the rule files (read with the rules gate's loader: plain files and
 * PrometheusRule resources, original line numbers) and their scratch copies for the drill, in
 * which every group's `interval` is 1 s and nothing else changes (each `for` stays as written).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isMap, isSeq, parseDocument } from 'yaml';
import { ConfigurationError } from '../../core/errors.js';
import { sha256Hex } from '../../core/evidence.js';
import { checkGlobPattern, globInside } from '../../core/paths.js';
import { loadRuleFile, type RuleFile } from '../rules/sources.js';

export interface LoadedRules {
  files: RuleFile[];
  hashes: { path: string; sha256: string }[];
}

export function loadRules(patterns: readonly string[], workspace: string, scratchDir: string): LoadedRules {
  for (const p of patterns) checkGlobPattern('rules', p);
  const paths = globInside(patterns, { cwd: workspace, roots: { workspace } });
  if (paths.length === 0)
    throw new ConfigurationError(
      `input "rules" (${patterns.join(', ')}) matches no file in the repository: give paths or globs relative to the repository root, e.g. "prometheus/rules/*.yml"`,
    );
  const files = paths.map((absPath) => loadRuleFile({ absPath, file: relative(workspace, absPath), scratchDir }));
  const hashes = files.map((f) => ({ path: f.file, sha256: sha256Hex(readFileSync(f.absPath)) }));
  return { files, hashes };
}

/** Writes the drill's copies: each group's interval set to 1s, everything else byte-for-byte the YAML it was. */
export function writeDrillCopies(files: readonly RuleFile[], scratchDir: string): string[] {
  mkdirSync(scratchDir, { recursive: true });
  return files.map((f, i) => {
    const doc = parseDocument(readFileSync(f.promtoolPath, 'utf8'), { merge: true });
    const groups = isMap(doc.contents) ? doc.contents.get('groups', true) : undefined;
    if (isSeq(groups)) {
      for (const g of groups.items) if (isMap(g)) g.set('interval', '1s');
    }
    const out = join(scratchDir, `rules-${i + 1}.yml`);
    writeFileSync(out, doc.toString({ lineWidth: 0 }));
    return out;
  });
}
