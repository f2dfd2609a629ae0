/**
 * Judge phase, part: the metric contract. Every selector of every rule expression against what
 * the running service exposes. Pure: rule expressions and expositions in, findings out.
 *   collect: rule files (rulefiles.ts), metrics pages (exposition.ts)
 *   judge:   checkContract (here)
 *   render:  findings at the expression's line (index.ts)
 */
import { parseSelectors, type LabelMatcher, type Selector } from './promql.js';
import type { Finding } from '../../core/evidence.js';
import type { Exposition } from './exposition.js';

export interface ContractRule {
  file: string;
  name: string;
  kind: 'alert' | 'record';
  expr: string;
  /** Line of the expr value and whether it is a block scalar (its text starts one line below). */
  exprLine: number;
  exprBlock: boolean;
}

export interface ContractInput {
  rules: readonly ContractRule[];
  exposition: Exposition;
  /** Metrics from other jobs or Prometheus itself (e.g. up): present, labels unknown. */
  externalMetrics: readonly string[];
  /**
   * Whether the pages came after the drill's traffic. Without traffic a label value such as a 5xx
   * status may simply not have happened yet, so a value no matcher can match is a warning then.
   */
  afterTraffic: boolean;
}

export interface ContractResult {
  findings: Finding[];
  selectorsChecked: number;
  /** Distinct metric names the rules use that are not exposed. */
  missingMetrics: string[];
}

/** Labels Prometheus attaches to every scraped series (target labels), whatever the service says. */
const TARGET_LABELS = new Set(['job', 'instance']);

/** Edit distance for "did you mean": a few dozen names, so the plain dynamic programme is enough. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

export function closestNames(name: string, names: Iterable<string>, count = 3): string[] {
  return [...names]
    .map((n) => ({ n, d: editDistance(name, n) }))
    .sort((x, y) => x.d - y.d || x.n.localeCompare(y.n))
    .slice(0, count)
    .map((x) => x.n);
}

/** A PromQL regex matcher is fully anchored RE2; JavaScript's engine agrees on the common subset. */
function matcherTest(m: LabelMatcher): ((value: string) => boolean) | undefined {
  if (m.op === '=') return (v) => v === m.value;
  if (m.op === '=~') {
    try {
      const re = new RegExp(`^(?:${m.value})$`, 'u');
      return (v) => re.test(v);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Whether the matcher also selects series that lack the label (it matches the empty string). */
function matchesEmpty(m: LabelMatcher): boolean {
  if (m.op === '=') return m.value === '';
  if (m.op === '!=') return m.value !== '';
  try {
    const re = new RegExp(`^(?:${m.value})$`, 'u');
    return m.op === '=~' ? re.test('') : !re.test('');
  } catch {
    return false;
  }
}

function lineOf(rule: ContractRule, offset: number): number {
  const before = rule.expr.slice(0, offset).split('\n').length - 1;
  return rule.exprLine + (rule.exprBlock ? 1 : 0) + before;
}

function checkLabels(
  sel: Selector,
  metric: string,
  exposition: Exposition,
  afterTraffic: boolean,
  at: (message: string, severity?: Finding['severity'], rule?: string) => Finding,
): Finding[] {
  const seen = exposition.series.get(metric);
  if (!seen || seen.samples === 0) return [];
  const out: Finding[] = [];
  for (const m of sel.matchers) {
    if (TARGET_LABELS.has(m.label)) continue;
    const values = seen.labels.get(m.label);
    if (!values) {
      if (matchesEmpty(m)) continue;
      const carried = [...seen.labels.keys()].filter((l) => l !== 'le' && l !== 'quantile');
      out.push(
        at(
          `${sel.text}: ${metric} never carries the label "${m.label}" (it has ${carried.length > 0 ? carried.map((l) => `"${l}"`).join(', ') : 'no labels'}): the matcher ${m.label}${m.op}${JSON.stringify(m.value)} can never match`,
          'error',
          'label-not-exposed',
        ),
      );
      continue;
    }
    const test = matcherTest(m);
    if (!test || [...values].some(test)) continue;
    const shown = [...values]
      .slice(0, 8)
      .map((v) => JSON.stringify(v))
      .join(', ');
    out.push(
      at(
        `${sel.text}: no value of "${m.label}" seen on ${metric} matches ${m.label}${m.op}${JSON.stringify(m.value)} (seen: ${shown}${values.size > 8 ? ', ...' : ''})${afterTraffic ? '' : '; no drill traffic ran, so the value may only be missing from this scrape'}`,
        afterTraffic ? 'error' : 'warning',
        'label-value-never-matches',
      ),
    );
  }
  return out;
}

function checkSelector(rule: ContractRule, sel: Selector, input: ContractInput, present: Set<string>, missing: Set<string>): Finding[] {
  const at = (message: string, severity: Finding['severity'] = 'error', ruleId = 'metric-not-exposed'): Finding => ({
    severity,
    file: rule.file,
    line: lineOf(rule, sel.from),
    rule: ruleId,
    message: `${rule.kind === 'alert' ? 'alert' : 'recording rule'} ${rule.name}: ${message}`,
  });
  if (sel.metric === undefined) {
    return [at(`${sel.text} selects no exact metric name, so the service's metrics cannot be checked against it`, 'warning', 'no-metric-name')];
  }
  const metric = sel.metric;
  if (!present.has(metric)) {
    missing.add(metric);
    const near = closestNames(metric, input.exposition.series.keys());
    return [at(`the service does not expose ${metric}${near.length > 0 ? ` (closest exposed: ${near.join(', ')})` : ''}`)];
  }
  const out: Finding[] = [];
  const seen = input.exposition.series.get(metric);
  if (sel.inHistogramQuantile && seen && !(metric.endsWith('_bucket') && seen.type === 'HISTOGRAM')) {
    out.push(
      at(
        `histogram_quantile() reads ${metric}, which is not the _bucket series of a histogram the service exposes (${metric} is ${seen.type.toLowerCase()})`,
        'error',
        'not-a-histogram',
      ),
    );
  }
  out.push(...checkLabels(sel, metric, input.exposition, input.afterTraffic, at));
  return out;
}

export function checkContract(input: ContractInput): ContractResult {
  const recorded = input.rules.filter((r) => r.kind === 'record').map((r) => r.name);
  const present = new Set<string>([...input.exposition.series.keys(), ...input.externalMetrics, ...recorded]);
  const findings: Finding[] = [];
  const missing = new Set<string>();
  let selectorsChecked = 0;
  for (const rule of input.rules) {
    const parsed = parseSelectors(rule.expr);
    if (parsed.errors.length > 0) {
      findings.push({
        severity: 'error',
        file: rule.file,
        line: lineOf(rule, parsed.errors[0]!),
        rule: 'promql-syntax',
        message: `${rule.name}: the expression does not parse as PromQL near offset ${parsed.errors[0]}`,
      });
      continue;
    }
    for (const sel of parsed.selectors) {
      selectorsChecked++;
      findings.push(...checkSelector(rule, sel, input, present, missing));
    }
  }
  return { findings, selectorsChecked, missingMetrics: [...missing].sort() };
}
