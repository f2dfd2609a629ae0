/**
 * Finds the records in `evidence-dir`, recursively (artifacts download into one folder each). The
 * folder may hold files from a fork's run: only regular `.json` files that resolve inside the
 * allowed roots are read (directory symlinks are not followed), each at most 4 MiB, at most 500.
 */
import { readFileSync, statSync } from 'node:fs';
import { relative } from 'node:path';
import { ConfigurationError } from '../core/errors.js';
import { globInside, type PathRoots } from '../core/paths.js';
import type { FoundFile } from './judge.js';

export const MAX_RECORD_BYTES = 4 * 1024 * 1024;
export const MAX_RECORD_FILES = 500;

/**
 * The image gate writes its SLSA provenance and CycloneDX SBOM beside its record (so one artifact
 * upload carries them): they are not evidence records and are not judged as such. A file so named is
 * never a gate's record, so skipping it cannot hide one (a required gate without a record fails).
 */
export const SUPPLY_CHAIN_FILE = /(^|\/)[^/]*\.(provenance|sbom\.cdx)\.json$/;

export function collectRecordFiles(dir: string, roots: PathRoots, exclude: readonly string[] = []): FoundFile[] {
  const paths = globInside(['**/*.json'], { cwd: dir, roots }).filter((p) => !exclude.includes(p) && !SUPPLY_CHAIN_FILE.test(p.split('\\').join('/')));
  if (paths.length > MAX_RECORD_FILES) {
    throw new ConfigurationError(
      `input "evidence-dir" holds ${paths.length} JSON files; at most ${MAX_RECORD_FILES} are read: point it at the folder the records were downloaded to`,
    );
  }
  const files: FoundFile[] = [];
  for (const path of paths) {
    const shown = relative(dir, path).split('\\').join('/');
    const size = statSync(path).size;
    if (size > MAX_RECORD_BYTES) {
      files.push({ path: shown, text: '', unreadable: `${size} bytes, over the ${MAX_RECORD_BYTES}-byte limit for a record` });
      continue;
    }
    files.push({ path: shown, text: readFileSync(path, 'utf8') });
  }
  return files;
}
