// Monitor queries as the form sees them, and back to Datadog's text:
//   avg(last_5m):avg:system.cpu.user{env:prod} by {host} > 90
//   change(avg(last_5m),last_1h):sum:orders{*}.as_count() < -50
//   logs("status:error").index("*").rollup("count").by("service").last("5m") > 100
//   trace-analytics("service:web").rollup("avg", "@duration").by("resource_name").last("5m") > 5
//   rum("@type:error").rollup("count").by("@view.name").last("5m") > 10
//   (12 && 14) || !15

export type MonitorKind = 'metric' | 'logs' | 'trace-analytics' | 'rum' | 'composite';
export type Comparator = '>' | '>=' | '<' | '<=';
export type ChangeMode = 'threshold' | 'change' | 'pct_change';

export const TIME_AGGREGATIONS = ['avg', 'sum', 'min', 'max', 'last', 'median', 'p50', 'p75', 'p90', 'p95', 'p99'];
export const WINDOWS = ['1m', '5m', '10m', '15m', '30m', '1h', '2h', '4h', '1d', '1w'];
export const EVENT_ROLLUPS = ['count', 'cardinality', 'avg', 'sum', 'min', 'max', 'median', 'pc75', 'pc90', 'pc95', 'pc98', 'pc99'];

export const WINDOW_LABELS: Record<string, string> = {
  '1m': 'last 1 minute',
  '5m': 'last 5 minutes',
  '10m': 'last 10 minutes',
  '15m': 'last 15 minutes',
  '30m': 'last 30 minutes',
  '1h': 'last 1 hour',
  '2h': 'last 2 hours',
  '4h': 'last 4 hours',
  '1d': 'last 1 day',
  '1w': 'last 1 week',
};

export interface MetricPart {
  timeAggregation: string; // avg, sum, …
  window: string; // "5m"
  change: ChangeMode;
  changeWindow: string; // compared with the value this long ago (change modes only)
  query: string; // the metric query or formula: "avg:cpu{env:prod} by {host}"
}

export interface EventPart {
  search: string; // search syntax, without quotes
  index: string; // logs only; "*"
  rollup: string; // count, avg, …
  measure: string; // "@duration" when the rollup is not count
  by: string[];
  window: string;
}

export interface ComposedQuery {
  kind: MonitorKind;
  metric: MetricPart;
  event: EventPart;
  composite: string;
  comparator: Comparator;
  threshold: number | null;
}

export function emptyComposed(kind: MonitorKind = 'metric'): ComposedQuery {
  return {
    kind,
    metric: { timeAggregation: 'avg', window: '5m', change: 'threshold', changeWindow: '1h', query: '' },
    event: { search: '', index: '*', rollup: 'count', measure: '', by: [], window: '5m' },
    composite: '',
    comparator: '>',
    threshold: null,
  };
}

// The API's monitor type for a kind.
export function monitorType(kind: MonitorKind): string {
  switch (kind) {
    case 'metric':
      return 'query alert';
    case 'logs':
      return 'log alert';
    case 'trace-analytics':
      return 'trace-analytics alert';
    case 'rum':
      return 'rum alert';
    case 'composite':
      return 'composite';
  }
}

export function kindOf(type: string): MonitorKind | null {
  if (type === 'metric alert' || type === 'query alert') return 'metric';
  if (type === 'log alert') return 'logs';
  if (type === 'trace-analytics alert') return 'trace-analytics';
  if (type === 'rum alert') return 'rum';
  if (type === 'composite') return 'composite';
  return null;
}

export function fmtNumber(n: number): string {
  return String(Number.isInteger(n) ? n : Number(n.toPrecision(6)));
}

function quote(s: string): string {
  return `"${s.replace(/(["\\])/g, '\\$1')}"`;
}

// The text after the threshold's comparator, empty when there is no threshold yet.
function condition(c: ComposedQuery): string {
  return c.threshold === null ? '' : ` ${c.comparator} ${fmtNumber(c.threshold)}`;
}

// The part a graph can show: the metric query, or the event search with its rollup.
export function composeQuery(c: ComposedQuery): string {
  if (c.kind === 'composite') return c.composite.trim();
  if (c.kind === 'metric') {
    const m = c.metric;
    if (!m.query.trim()) return '';
    const agg = `${m.timeAggregation}(last_${m.window})`;
    const head = m.change === 'threshold' ? agg : `${m.change}(${agg},last_${m.changeWindow})`;
    return `${head}:${m.query.trim()}${condition(c)}`;
  }
  const e = c.event;
  const search = quote(e.search.trim() || '*');
  let q = c.kind === 'logs' ? `logs(${search}).index(${quote(e.index || '*')})` : `${c.kind}(${search})`;
  q += e.rollup === 'count' || !e.measure.trim() ? `.rollup(${quote(e.rollup === 'count' ? 'count' : e.rollup)})` : `.rollup(${quote(e.rollup)}, ${quote(e.measure.trim())})`;
  if (e.by.length) q += `.by(${quote(e.by.join(','))})`;
  q += `.last(${quote(e.window)})`;
  return q + condition(c);
}

// Splits "… > 90" into the query before the comparator and the threshold.
function splitCondition(text: string): { head: string; comparator: Comparator; threshold: number } | null {
  const m = /^(.*?)\s*(>=|<=|>|<)\s*(-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*$/s.exec(text);
  if (!m) return null;
  return { head: m[1], comparator: m[2] as Comparator, threshold: Number(m[3]) };
}

// The quoted strings of one call's arguments: `"a", "b"` → ["a", "b"], or null.
function stringArgs(text: string): string[] | null {
  const out: string[] = [];
  const re = /\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  let pos = 0;
  if (!text.trim()) return out;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return null;
    out.push(m[1].replace(/\\(.)/g, '$1'));
    pos = re.lastIndex;
    if (m[2] === '') break;
  }
  return pos >= text.length ? out : null;
}

// Reads a chain of calls `name(args).name(args)…` whose arguments are strings.
function calls(text: string): { name: string; args: string[] }[] | null {
  const out: { name: string; args: string[] }[] = [];
  let rest = text.trim();
  while (rest) {
    const m = /^\.?([a-z][a-z-]*)\(/.exec(rest);
    if (!m) return null;
    let i = m[0].length;
    let inString = false;
    for (; i < rest.length; i++) {
      const ch = rest[i];
      if (inString) {
        if (ch === '\\') i++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === ')') break;
    }
    if (i >= rest.length) return null;
    const args = stringArgs(rest.slice(m[0].length, i));
    if (!args) return null;
    out.push({ name: m[1], args });
    rest = rest.slice(i + 1).trim();
  }
  return out;
}

// The form's view of a monitor query, or null when the form cannot show it (then
// only the raw editor edits it).
export function parseMonitorQuery(text: string, kind: MonitorKind): ComposedQuery | null {
  const c = emptyComposed(kind);
  const q = text.trim();
  if (kind === 'composite') {
    c.composite = q;
    return c;
  }
  const cond = splitCondition(q);
  const head = cond ? cond.head : q;
  if (cond) {
    c.comparator = cond.comparator;
    c.threshold = cond.threshold;
  }
  if (kind === 'metric') {
    const ch = /^(change|pct_change)\(\s*([a-z0-9]+)\(last_(\d+[mhdw])\)\s*,\s*last_(\d+[mhdw])\s*\)\s*:(.*)$/s.exec(head);
    if (ch) {
      c.metric = { change: ch[1] as ChangeMode, timeAggregation: ch[2], window: ch[3], changeWindow: ch[4], query: ch[5].trim() };
      return c;
    }
    const m = /^([a-z0-9]+)\(last_(\d+[mhdw])\)\s*:(.*)$/s.exec(head);
    if (!m) return null;
    c.metric = { change: 'threshold', timeAggregation: m[1], window: m[2], changeWindow: '1h', query: m[3].trim() };
    return c;
  }
  const chain = calls(head);
  if (!chain || chain.length === 0) return null;
  if (chain[0].name !== kind || chain[0].args.length !== 1) return null;
  c.event.search = chain[0].args[0];
  for (const call of chain.slice(1)) {
    if (call.name === 'index' && kind !== 'trace-analytics' && call.args.length === 1) c.event.index = call.args[0];
    else if (call.name === 'rollup' && call.args.length >= 1 && call.args.length <= 2) {
      c.event.rollup = call.args[0];
      c.event.measure = call.args[1] ?? '';
    } else if (call.name === 'by') c.event.by = call.args.flatMap((a) => a.split(',')).map((s) => s.trim()).filter(Boolean);
    else if (call.name === 'last' && call.args.length === 1) c.event.window = call.args[0];
    else return null;
  }
  return c;
}

// The kind a query text is written for, from its beginning.
export function guessKind(text: string): MonitorKind {
  const q = text.trim();
  if (q.startsWith('logs(')) return 'logs';
  if (q.startsWith('trace-analytics(')) return 'trace-analytics';
  if (q.startsWith('rum(')) return 'rum';
  if (/^[\s(!]*\d/.test(q)) return 'composite';
  return 'metric';
}
