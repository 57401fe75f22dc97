// Metric queries as the builder sees them, and back to Datadog's text:
//   avg:system.cpu.user{env:prod,host:web-*} by {host}.rollup(max, 60)

export const SPACE_AGGREGATORS = ['avg', 'sum', 'min', 'max', 'count', 'p50', 'p75', 'p90', 'p95', 'p99'];

export interface MetricQuery {
  aggregator: string;
  metric: string;
  scope: string[]; // "env:prod", "!host:canary-*"; empty: everything
  groupBy: string[];
  functions: string; // what follows: ".rollup(max, 60).as_count()"; kept as typed
}

export function emptyQuery(): MetricQuery {
  return { aggregator: 'avg', metric: '', scope: [], groupBy: [], functions: '' };
}

export function buildQuery(q: MetricQuery): string {
  if (!q.metric) return '';
  const scope = q.scope.length ? q.scope.join(',') : '*';
  const by = q.groupBy.length ? ` by {${q.groupBy.join(',')}}` : '';
  return `${q.aggregator}:${q.metric}{${scope}}${by}${q.functions}`;
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

// The builder's view of a query, or null when the text is more than the builder
// shows (a formula, OR/parentheses in the scope): then only the raw editor edits it.
export function parseQuery(text: string): MetricQuery | null {
  const m = /^\s*(?:([a-z0-9]+):)?([A-Za-z0-9_.\-]+)\s*\{([^{}]*)\}(?:\s+by\s+\{([^{}]*)\})?((?:\.[a-z_]+\([^()]*\))*)\s*$/.exec(
    text,
  );
  if (!m) return null;
  const aggregator = m[1] ?? 'avg';
  if (!SPACE_AGGREGATORS.includes(aggregator)) return null;
  const scopeText = m[3].trim();
  if (/[()]|\bOR\b|\bAND\b|\bIN\b/.test(scopeText)) return null;
  const scope = scopeText === '*' || scopeText === '' ? [] : splitList(scopeText);
  return { aggregator, metric: m[2], scope, groupBy: splitList(m[4] ?? ''), functions: m[5] ?? '' };
}

// "filter.query: at 12: '(' is never closed" → position 12 and the message after it.
export interface PositionedError {
  position: number | null;
  message: string;
}

export function errorPosition(message: string): PositionedError {
  const m = /\bat (\d+): (.*)$/s.exec(message);
  if (!m) return { position: null, message };
  return { position: Number(m[1]), message: m[2] };
}

// The term a facet value adds to a search; values with spaces or specials are quoted.
export function facetTerm(facet: string, value: string): string {
  const plain = /^[A-Za-z0-9_.\-@/*]+$/.test(value);
  const v = plain ? value : `"${value.replace(/(["\\])/g, '\\$1')}"`;
  return `${facet}:${v}`;
}

// Adds a term to a search unless it is already there.
export function addTerm(query: string, term: string): string {
  const q = query.trim();
  if (q === '' || q === '*') return term;
  if (q.split(/\s+/).includes(term)) return q;
  return `${q} ${term}`;
}
