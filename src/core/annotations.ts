import { isAbsolute, relative, sep } from 'node:path';
import { clamp, sanitiseFinding, type Finding } from './evidence.js';

/** GitHub shows at most 10 annotations of each severity per step; more are dropped silently. */
export const ANNOTATIONS_PER_SEVERITY = 10;

export interface AnnotationSink {
  error(message: string, props: AnnotationProps): void;
  warning(message: string, props: AnnotationProps): void;
  notice(message: string, props: AnnotationProps): void;
}

export interface AnnotationProps {
  title?: string;
  file?: string;
  startLine?: number;
  endLine?: number;
  startColumn?: number;
}

export interface AnnotationCount {
  shown: number;
  total: number;
}

/** Paths in annotations must be relative to the repository root to attach to the diff. */
export function repoRelative(file: string, workspace: string): string {
  const rel = isAbsolute(file) ? relative(workspace, file) : file;
  return rel.split(sep).join('/');
}

/**
 * Emits one annotation per finding, at most ANNOTATIONS_PER_SEVERITY of each severity, errors
 * first. Returns how many were shown out of how many, so the summary can give the total.
 */
export function emitAnnotations(findings: readonly Finding[], sink: AnnotationSink, title: string): AnnotationCount {
  const shownBySeverity = { error: 0, warning: 0, notice: 0 };
  let shown = 0;
  for (const finding of findings) {
    if (shownBySeverity[finding.severity] >= ANNOTATIONS_PER_SEVERITY) continue;
    shownBySeverity[finding.severity]++;
    shown++;
    // Clamped like the record: a 30 MB advisory title must not become a 30 MB workflow command.
    const f = sanitiseFinding(finding);
    const props: AnnotationProps = { title: clamp(f.rule ? `${title}: ${f.rule}` : title, 300) };
    if (f.file) {
      props.file = f.file;
      if (f.line) props.startLine = f.line;
      if (f.endLine && f.line && f.endLine >= f.line) props.endLine = f.endLine;
      // GitHub rejects a column range spanning lines, so a column goes only on single-line ones.
      if (f.column && (!props.endLine || props.endLine === props.startLine)) props.startColumn = f.column;
    }
    sink[f.severity](f.message, props);
  }
  return { shown, total: findings.length };
}
