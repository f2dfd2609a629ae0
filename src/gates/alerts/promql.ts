/**
 * Collect phase, part: the vector selectors of a PromQL expression, read with the official
 * Prometheus parser (@prometheus-io/lezer-promql): metric name, label matchers, where each sits,
 * and whether it is read by histogram_quantile().
 */
import { parser } from '@prometheus-io/lezer-promql';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  label: string;
  op: MatchOp;
  value: string;
}

export interface Selector {
  /** The metric name, from the identifier or a {__name__="..."} matcher; undefined when no exact name is given. */
  metric?: string;
  matchers: LabelMatcher[];
  /** Offset of the selector in the expression text. */
  from: number;
  /** The selector as written. */
  text: string;
  /** Read (directly or through functions and aggregations) by histogram_quantile(). */
  inHistogramQuantile: boolean;
}

export interface ParsedExpression {
  selectors: Selector[];
  /** Offsets of syntax errors; an expression with errors is not judged on its selectors alone. */
  errors: number[];
}

/** A PromQL string literal ("..", '..' or `..`) to its value, with Go's escapes for the quoted forms. */
export function unquote(literal: string): string {
  const quote = literal[0];
  const body = literal.slice(1, -1);
  if (quote === '`') return body;
  try {
    if (quote === '"') return JSON.parse(literal) as string;
    return JSON.parse(`"${body.replace(/\\'/g, "'").replace(/"/g, '\\"')}"`) as string;
  } catch {
    return body;
  }
}

function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

function readMatcher(node: SyntaxNode, text: (n: SyntaxNode) => string): LabelMatcher | undefined {
  const parts = childrenOf(node);
  const nameNode = parts.find((p) => p.name === 'LabelName' || p.name === 'QuotedLabelName');
  const opNode = parts.find((p) => p.name === 'MatchOp');
  const valueNode = parts.filter((p) => p.name === 'StringLiteral').at(-1);
  if (!nameNode || !opNode || !valueNode) return undefined;
  const label = nameNode.name === 'QuotedLabelName' ? unquote(text(nameNode)) : text(nameNode);
  return { label, op: text(opNode) as MatchOp, value: unquote(text(valueNode)) };
}

function insideHistogramQuantile(node: SyntaxNode, text: (n: SyntaxNode) => string): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.name !== 'FunctionCall') continue;
    const id = p.getChild('FunctionIdentifier');
    if (id && text(id) === 'histogram_quantile') return true;
  }
  return false;
}

/** Every vector selector of the expression (inside matrix selectors and subqueries too). */
export function parseSelectors(expr: string): ParsedExpression {
  const tree = parser.parse(expr);
  const text = (n: SyntaxNode) => expr.slice(n.from, n.to);
  const selectors: Selector[] = [];
  const errors: number[] = [];
  tree.iterate({
    enter(ref) {
      if (ref.type.isError) {
        errors.push(ref.from);
        return;
      }
      if (ref.name !== 'VectorSelector') return;
      const node = ref.node;
      const id = node.getChild('Identifier');
      const matchers: LabelMatcher[] = [];
      const list = node.getChild('LabelMatchers');
      if (list) {
        for (const m of childrenOf(list)) {
          if (m.name !== 'UnquotedLabelMatcher' && m.name !== 'QuotedLabelMatcher') continue;
          // {"metric_name"} (a quoted name alone) selects by name, as Prometheus 3 allows.
          if (m.name === 'QuotedLabelMatcher' && !m.getChild('MatchOp')) {
            const lit = m.getChild('StringLiteral') ?? m.getChild('QuotedLabelName');
            if (lit) matchers.push({ label: '__name__', op: '=', value: unquote(text(lit)) });
            continue;
          }
          const matcher = readMatcher(m, text);
          if (matcher) matchers.push(matcher);
        }
      }
      const byName = matchers.find((m) => m.label === '__name__' && m.op === '=');
      const metric = id ? text(id) : byName?.value;
      selectors.push({
        ...(metric !== undefined ? { metric } : {}),
        matchers: matchers.filter((m) => m.label !== '__name__'),
        from: node.from,
        text: text(node),
        inHistogramQuantile: insideHistogramQuantile(node, text),
      });
      return false;
    },
  });
  return { selectors, errors };
}
