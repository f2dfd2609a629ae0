/**
 * Collect phase, part: what a service exposes on its metrics page, as series names with the
 * label names and values seen, read with parse-prometheus-text-format (no regexes over samples).
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { z } from 'zod';
import { ToolError } from '../../core/errors.js';

export interface ExposedSeries {
  /** The family it belongs to (a histogram's _bucket series belong to the histogram). */
  family: string;
  type: string;
  /** label name -> values seen. */
  labels: Map<string, Set<string>>;
  samples: number;
}

export interface Exposition {
  /** series name (as PromQL selects it) -> what was seen. */
  series: Map<string, ExposedSeries>;
  /** family name -> type (COUNTER, GAUGE, HISTOGRAM, SUMMARY, UNTYPED). */
  families: Map<string, string>;
}

const familiesSchema = z.array(
  z
    .object({
      name: z.string(),
      type: z.string(),
      metrics: z.array(z.object({ labels: z.record(z.string(), z.string()).optional() }).passthrough()),
    })
    .passthrough(),
);

const GROUPED_TYPES = new Set(['histogram', 'summary', 'gaugehistogram']);

/**
 * The parser folds every series of a histogram or summary into one entry and drops their labels
 * (its flattenMetrics keeps only le/quantile). Re-typing those families as untyped in the TYPE
 * comment (the only line touched, split on whitespace as the format defines) makes it return
 * each _bucket/_sum/_count series with its own labels; the first pass keeps the real types.
 */
function untypeGroupedFamilies(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const parts = line.trim().split(/\s+/);
      if (parts[0] === '#' && parts[1] === 'TYPE' && parts.length === 4 && GROUPED_TYPES.has(parts[3]!.toLowerCase())) return `# TYPE ${parts[2]} untyped`;
      return line;
    })
    .join('\n');
}

function familyOf(name: string, families: Map<string, string>): string {
  for (const suffix of ['_bucket', '_sum', '_count', '_created', '_gsum', '_gcount']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      if (GROUPED_TYPES.has((families.get(base) ?? '').toLowerCase())) return base;
    }
  }
  return name;
}

function parse(text: string, what: string) {
  let raw: unknown;
  try {
    raw = parsePrometheusTextFormat(text);
  } catch (error) {
    throw new ToolError(`${what} is not in the Prometheus text format: ${(error as Error).message}`);
  }
  const parsed = familiesSchema.safeParse(raw);
  if (!parsed.success) throw new ToolError(`${what} could not be read as Prometheus metric families: ${parsed.error.issues[0]?.message ?? 'unknown shape'}`);
  return parsed.data;
}

/** Reads one metrics page. An empty page, or one with text but no family, cannot be judged. */
export function parseExposition(text: string, what = 'the metrics page'): Exposition {
  const typed = parse(text, what);
  if (typed.length === 0)
    throw new ToolError(
      `${what} holds no metric family${text.trim() === '' ? ' (it is empty)' : ' the parser could read'}: the metric contract cannot be checked`,
    );
  const families = new Map(typed.map((f) => [f.name, f.type.toUpperCase()]));
  const series = new Map<string, ExposedSeries>();
  for (const f of parse(untypeGroupedFamilies(text), what)) {
    const family = familyOf(f.name, families);
    const entry = series.get(f.name) ?? { family, type: families.get(family) ?? f.type.toUpperCase(), labels: new Map<string, Set<string>>(), samples: 0 };
    for (const sample of f.metrics) {
      entry.samples++;
      for (const [label, value] of Object.entries(sample.labels ?? {})) {
        const values = entry.labels.get(label) ?? new Set<string>();
        values.add(value);
        entry.labels.set(label, values);
      }
    }
    // A histogram's own family line (no samples under its bare name) is not a series.
    if (family !== f.name || !GROUPED_TYPES.has(entry.type.toLowerCase())) series.set(f.name, entry);
  }
  return { series, families };
}

/** Several pages of the same service (before and after traffic) as one: the union of what was seen. */
export function mergeExpositions(pages: readonly Exposition[]): Exposition {
  const merged: Exposition = { series: new Map(), families: new Map() };
  for (const page of pages) {
    for (const [name, type] of page.families) merged.families.set(name, type);
    for (const [name, s] of page.series) {
      const into = merged.series.get(name) ?? { family: s.family, type: s.type, labels: new Map<string, Set<string>>(), samples: 0 };
      into.samples = Math.max(into.samples, s.samples);
      for (const [label, values] of s.labels) {
        const set = into.labels.get(label) ?? new Set<string>();
        for (const v of values) set.add(v);
        into.labels.set(label, set);
      }
      merged.series.set(name, into);
    }
  }
  return merged;
}
