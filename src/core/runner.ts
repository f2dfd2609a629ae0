/**
 * The runner protocol (outputs, masks, PATH, job summary, annotations, groups, failure, state),
 * spoken through @actions/core. This module is the one place that imports it, so the entry
 * points and the logger share one small surface and gates never see it.
 */
import * as core from '@actions/core';
import type { AnnotationProps } from './annotations.js';

export const setOutput = (name: string, value: string): void => core.setOutput(name, value);

export function setSecret(secret: string): void {
  // One mask per line: the runner masks the log line by line, so a multi-line value registered
  // whole would never match.
  for (const line of secret.split(/\r?\n/)) if (line.trim() !== '') core.setSecret(line);
}

export const addPath = (dir: string): void => core.addPath(dir);

/** Appends to the job summary; a runner without one (GITHUB_STEP_SUMMARY unset) gets none. */
export async function appendSummary(markdown: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(markdown, !markdown.endsWith('\n')).write();
}

export const info = (message: string): void => core.info(message);
export const debug = (message: string): void => core.debug(message);

function annotationProperties(props: AnnotationProps = {}): core.AnnotationProperties {
  return { title: props.title, file: props.file, startLine: props.startLine, endLine: props.endLine, startColumn: props.startColumn };
}
export const error = (message: string, props?: AnnotationProps): void => core.error(message, annotationProperties(props));
export const warning = (message: string, props?: AnnotationProps): void => core.warning(message, annotationProperties(props));
export const notice = (message: string, props?: AnnotationProps): void => core.notice(message, annotationProperties(props));

export const group = <T>(name: string, fn: () => Promise<T>): Promise<T> => core.group(name, fn);

export const setFailed = (message: string): void => core.setFailed(message);

/** State shared between an action's pre/main/post steps. */
export const saveState = (name: string, value: string): void => core.saveState(name, value);
export const getState = (name: string): string => core.getState(name);
