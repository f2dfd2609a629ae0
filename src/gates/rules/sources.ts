// Part of the rules gate's collect phase: reads a rule file (plain, or a PrometheusRule converted for
// promtool with a line map back to the original). Feeds judge (findings, groups) and hygiene.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Document, isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, parseDocument, type Node as YamlNode } from 'yaml';
import type { Finding } from '../../core/evidence.js';

export interface Position {
  line: number;
  column?: number;
}

export interface ParsedRule {
  kind: 'alert' | 'record';
  name: string;
  group: string;
  /** 1-based position in its group, as promtool counts ("rule 2"). */
  index: number;
  line: number;
  column: number;
  expr?: string;
  /** Line where the expr value is written, and whether it is a block scalar (| or >: the text starts one line below). */
  exprLine?: number;
  exprBlock?: boolean;
  for?: string;
  forLine?: number;
  /** keep_firing_for (Prometheus 2.42+), as written, and its line. */
  keepFiringFor?: string;
  keepFiringForLine?: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ParsedGroup {
  name: string;
  line: number;
  /** The group's evaluation interval, as written, and its line. */
  interval?: string;
  intervalLine?: number;
  rules: ParsedRule[];
}

export interface RuleFile {
  absPath: string;
  /** Repository-relative path of the original file: what findings and annotations name. */
  file: string;
  kind: 'plain' | 'prometheusrule';
  /** The file promtool reads: the original, or the plain rule file converted from a PrometheusRule. */
  promtoolPath: string;
  groups: ParsedGroup[];
  /** Problems found while reading (YAML syntax, not a rule file). */
  findings: Finding[];
  /** Set when the file cannot be read at all: the gate cannot judge it. */
  unreadable?: string;
  /** False when the file did not parse: promtool is not given it (our finding has the better line). */
  checkable: boolean;
  /** Maps a line (and column) of promtoolPath back to the original file. */
  toOriginal(line: number, column?: number): Position;
}

const identity = (line: number, column?: number): Position => (column === undefined ? { line } : { line, column });

/** The first line of a yaml error, without the " at line N, column M:" the position already says. */
export function yamlErrorText(text: string): string {
  return text
    .split('\n')[0]!
    .replace(/ at line \d+, column \d+:?$/, '')
    .trim();
}

function scalarText(node: unknown): string | undefined {
  if (isScalar(node) && node.value !== null && node.value !== undefined) return String(node.value);
  return undefined;
}

/**
 * Parse options for rule files: promtool's YAML decoder follows aliases and merge keys
 * (`labels: *common`, `<<: *common`), so the conversion of a PrometheusRule must expand them too.
 */
export const YAML_OPTIONS = { merge: true } as const;

/** The node an alias stands for; any other node as it is. */
export function resolveAlias(node: unknown, doc: Document.Parsed): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

/** `<<` as a merge key: a Symbol with the merge option, the plain string without it. */
function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (typeof key.value === 'symbol' || (key.value === '<<' && key.type === 'PLAIN'));
}

/**
 * A YAML mapping of strings (labels, annotations), through aliases and merge keys: explicit keys
 * win over merged ones, and of several merged maps the first wins, as in YAML's merge key spec.
 */
export function stringMap(node: unknown, doc: Document.Parsed, depth = 0): Record<string, string> {
  const map = resolveAlias(node, doc);
  if (!isMap(map) || depth > 16) return {};
  const merged: Record<string, string> = {};
  const own: Record<string, string> = {};
  for (const pair of map.items) {
    if (isMergeKey(pair.key)) {
      const value = resolveAlias(pair.value, doc);
      const sources = isSeq(value) ? value.items : [value];
      for (const source of sources) for (const [k, v] of Object.entries(stringMap(source, doc, depth + 1))) if (!(k in merged)) merged[k] = v;
      continue;
    }
    const key = scalarText(resolveAlias(pair.key, doc));
    if (key === undefined) continue;
    own[key] = scalarText(resolveAlias(pair.value, doc)) ?? '';
  }
  return { ...merged, ...own };
}

/** Reads the groups of a rule file (a `groups:` sequence node) with the original positions. */
function readGroups(groupsNode: unknown, lc: LineCounter, doc: Document.Parsed): ParsedGroup[] {
  const pos = (node: YamlNode | null | undefined) => {
    const p = lc.linePos(node?.range?.[0] ?? 0);
    return { line: p.line, column: p.col };
  };
  const deref = (node: unknown) => resolveAlias(node, doc);
  const text = (node: unknown) => scalarText(deref(node));
  const groups: ParsedGroup[] = [];
  const seq = deref(groupsNode);
  if (!isSeq(seq)) return groups;
  for (const item of seq.items) {
    const g = deref(item);
    if (!isMap(g)) continue;
    const name = text(g.get('name', true)) ?? '';
    const group: ParsedGroup = { name, line: pos(item as YamlNode).line, rules: [] };
    const intervalNode = g.get('interval', true) as YamlNode | undefined;
    const interval = text(intervalNode);
    if (interval !== undefined) {
      group.interval = interval;
      group.intervalLine = pos(intervalNode).line;
    }
    const rules = deref(g.get('rules', true));
    if (isSeq(rules)) {
      rules.items.forEach((item, i) => {
        const r = deref(item);
        if (!isMap(r)) return;
        const alert = text(r.get('alert', true));
        const record = text(r.get('record', true));
        // Positions are where the key's value is written (an alias, too); values are what it stands for.
        const forNode = r.get('for', true) as YamlNode | undefined;
        const at = pos(item as YamlNode);
        const rule: ParsedRule = {
          kind: alert !== undefined ? 'alert' : 'record',
          name: alert ?? record ?? '',
          group: name,
          index: i + 1,
          line: at.line,
          column: at.column,
          expr: text(r.get('expr', true)),
          labels: stringMap(r.get('labels', true), doc),
          annotations: stringMap(r.get('annotations', true), doc),
        };
        const exprNode = r.get('expr', true) as YamlNode | undefined;
        if (exprNode?.range) {
          rule.exprLine = pos(exprNode).line;
          rule.exprBlock = isScalar(exprNode) && (exprNode.type === 'BLOCK_LITERAL' || exprNode.type === 'BLOCK_FOLDED');
        }
        const forText = text(forNode);
        if (forText !== undefined) {
          rule.for = forText;
          rule.forLine = pos(forNode).line;
        }
        const keepNode = r.get('keep_firing_for', true) as YamlNode | undefined;
        const keepText = text(keepNode);
        if (keepText !== undefined) {
          rule.keepFiringFor = keepText;
          rule.keepFiringForLine = pos(keepNode).line;
        }
        group.rules.push(rule);
      });
    }
    groups.push(group);
  }
  return groups;
}

interface PositionPair {
  convLine: number;
  convCol: number;
  origLine: number;
  origCol: number;
}

/** Walks the converted tree and the original one side by side, pairing node positions. */
function pairPositions(conv: unknown, orig: unknown, origDoc: Document.Parsed, clc: LineCounter, olc: LineCounter, out: PositionPair[]): void {
  let o = orig;
  if (isAlias(o)) o = o.resolve(origDoc);
  const c = conv as YamlNode | undefined;
  const on = o as YamlNode | undefined;
  if (c?.range && on?.range) {
    const cp = clc.linePos(c.range[0]);
    const op = olc.linePos(on.range[0]);
    out.push({ convLine: cp.line, convCol: cp.col, origLine: op.line, origCol: op.col });
  }
  if (isMap(c) && isMap(o)) {
    for (const pair of c.items) {
      const key = scalarText(pair.key);
      const match = [...o.items].reverse().find((p) => scalarText(p.key) === key);
      if (!match) continue;
      pairPositions(pair.key, match.key, origDoc, clc, olc, out);
      pairPositions(pair.value, match.value, origDoc, clc, olc, out);
    }
  } else if (isSeq(c) && isSeq(o)) {
    c.items.forEach((item, i) => pairPositions(item, o.items[i], origDoc, clc, olc, out));
  }
}

/** A line map from pairs: exact node starts map column too; lines inside a block scalar keep their offset. */
export function lineMapFrom(pairs: PositionPair[]): (line: number, column?: number) => Position {
  const sorted = [...pairs].sort((a, b) => a.convLine - b.convLine || a.convCol - b.convCol);
  return (line, column) => {
    let best: PositionPair | undefined;
    for (const p of sorted) {
      if (p.convLine < line || (p.convLine === line && (column === undefined || p.convCol <= column))) best = p;
      else if (p.convLine > line) break;
    }
    if (!best) return { line: 1 };
    if (best.convLine === line) {
      return column === undefined ? { line: best.origLine } : { line: best.origLine, column: best.origCol + (column - best.convCol) };
    }
    return column === undefined ? { line: best.origLine + (line - best.convLine) } : { line: best.origLine + (line - best.convLine), column };
  };
}

function isPrometheusRule(doc: Document.Parsed): boolean {
  const contents = doc.contents;
  return isMap(contents) && scalarText(contents.get('kind', true)) === 'PrometheusRule';
}

export interface LoadOptions {
  absPath: string;
  file: string;
  /** Where a PrometheusRule's conversion is written. */
  scratchDir: string;
}

/**
 * Reads one rule file: a plain Prometheus rule file (`groups:`) or a Kubernetes PrometheusRule
 * resource (`spec.groups`, possibly several in a multi-document file), which is converted to a
 * plain rule file for promtool with a line map back to the original.
 */
export function loadRuleFile(opts: LoadOptions): RuleFile {
  const base: RuleFile = {
    absPath: opts.absPath,
    file: opts.file,
    kind: 'plain',
    promtoolPath: opts.absPath,
    groups: [],
    findings: [],
    checkable: false,
    toOriginal: identity,
  };
  let text: string;
  try {
    if (statSync(opts.absPath).isDirectory()) throw new Error('it is a directory');
    text = readFileSync(opts.absPath, 'utf8');
  } catch (error) {
    base.unreadable = `${opts.file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    return base;
  }
  if (text.includes('\u0000')) {
    base.findings.push({
      severity: 'error',
      file: opts.file,
      line: 1,
      rule: 'not-yaml',
      message: `${opts.file} is a binary file, not a Prometheus rule file (YAML)`,
    });
    return base;
  }
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter: lc, prettyErrors: true });
  const list = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    for (const err of doc.errors) {
      const at = err.linePos?.[0];
      base.findings.push({
        severity: 'error',
        file: opts.file,
        ...(at ? { line: at.line, column: at.col } : {}),
        rule: 'yaml-syntax',
        message: `YAML syntax error: ${yamlErrorText(err.message)}`,
      });
    }
  }
  if (base.findings.length > 0) return base;
  const prometheusRules = list.filter(isPrometheusRule);
  if (prometheusRules.length > 0) return convertPrometheusRules(base, prometheusRules, lc, opts);
  const first = list[0];
  const contents = first?.contents;
  if (!first || contents === null || contents === undefined || (isScalar(contents) && (contents.value === null || contents.value === ''))) {
    base.findings.push({ severity: 'warning', file: opts.file, line: 1, rule: 'empty', message: `${opts.file} is empty: it holds no rule group` });
    base.checkable = true;
    return base;
  }
  if (!isMap(contents) || !contents.has('groups')) {
    base.findings.push({
      severity: 'error',
      file: opts.file,
      line: 1,
      rule: 'not-a-rule-file',
      message: `${opts.file} is not a Prometheus rule file: expected a top-level "groups:" list, or a Kubernetes PrometheusRule resource with spec.groups`,
    });
    return base;
  }
  base.groups = readGroups(contents.get('groups', true), lc, first);
  base.checkable = true;
  return base;
}

let conversions = 0;

function convertPrometheusRules(base: RuleFile, docs: Document.Parsed[], lc: LineCounter, opts: LoadOptions): RuleFile {
  base.kind = 'prometheusrule';
  const origGroups: { doc: Document.Parsed; node: unknown }[] = [];
  let groupsKey: YamlNode | undefined;
  for (const doc of docs) {
    const spec = resolveAlias((doc.contents as { get(k: string, keep: true): unknown }).get('spec', true), doc);
    if (!isMap(spec)) continue;
    const groupsPair = spec.items.find((p) => scalarText(p.key) === 'groups');
    groupsKey ??= groupsPair?.key as YamlNode | undefined;
    const groups = resolveAlias(groupsPair?.value, doc);
    if (isSeq(groups)) {
      for (const item of groups.items) origGroups.push({ doc, node: item });
      base.groups.push(...readGroups(groups, lc, doc));
    }
  }
  if (origGroups.length === 0) {
    base.findings.push({
      severity: 'error',
      file: opts.file,
      line: 1,
      rule: 'not-a-rule-file',
      message: `${opts.file} is a PrometheusRule without spec.groups: expected spec.groups to be a list of rule groups`,
    });
    return base;
  }
  const plain = { groups: origGroups.map(({ doc, node }) => (node as YamlNode).toJS(doc)) };
  // Expanded, not re-aliased: every converted node then has its own position to map back.
  const text = new Document(plain, { aliasDuplicateObjects: false }).toString({ lineWidth: 0 });
  const clc = new LineCounter();
  const conv = parseDocument(text, { lineCounter: clc });
  const pairs: PositionPair[] = [];
  const convGroups = (conv.contents as { get(k: string, keep: true): unknown }).get('groups', true);
  if (groupsKey?.range) {
    const op = lc.linePos(groupsKey.range[0]);
    pairs.push({ convLine: 1, convCol: 1, origLine: op.line, origCol: op.col });
  }
  if (isSeq(convGroups)) {
    convGroups.items.forEach((item, i) => {
      const orig = origGroups[i]!;
      pairPositions(item, orig.node, orig.doc, clc, lc, pairs);
    });
  }
  mkdirSync(opts.scratchDir, { recursive: true });
  const out = join(opts.scratchDir, `${++conversions}-${basename(opts.absPath)}`);
  writeFileSync(out, text);
  base.promtoolPath = out;
  base.toOriginal = lineMapFrom(pairs);
  base.checkable = true;
  return base;
}
