// The log explorer's analytic views as data: what the URL says (visualisation,
// measure, group-by, limit, rollup, table sort), the aggregate request it makes, and
// the buckets the server answers turned into chart series and table rows.

export const VIZ = ['list', 'timeseries', 'toplist', 'table'] as const;
export type Viz = (typeof VIZ)[number];
// Aggregations of a numeric attribute the aggregate endpoint knows (besides count).
export const AGGREGATIONS = ['avg', 'sum', 'min', 'max', 'median', 'pc75', 'pc90', 'pc95', 'pc99'] as const;
export const LIMITS = [5, 10, 25, 50] as const;
export const ROLLUPS = ['auto', '1m', '5m', '15m', '1h'] as const;
export const MAX_GROUPS = 2;

export interface LogView {
  viz: Viz;
  agg: string; // "count" or one of AGGREGATIONS
  measure: string; // "@duration"; empty for count
  by: string[]; // up to MAX_GROUPS facets
  limit: number;
  rollup: string; // "auto" or a span
  sort: { col: string; desc: boolean }; // table sort: a facet or "value"
}

export function defaultLogView(): LogView {
  return { viz: 'list', agg: 'count', measure: '', by: [], limit: 10, rollup: 'auto', sort: { col: 'value', desc: true } };
}

// Writes the parameters that differ from the defaults.
export function encodeLogView(v: LogView, p: URLSearchParams): void {
  const d = defaultLogView();
  if (v.viz !== d.viz) p.set('viz', v.viz);
  if (v.agg !== 'count') p.set('agg', `${v.agg}:${v.measure}`);
  if (v.by.length) p.set('by', v.by.join(','));
  if (v.limit !== d.limit) p.set('top', String(v.limit));
  if (v.rollup !== d.rollup) p.set('roll', v.rollup);
  if (v.sort.col !== d.sort.col || v.sort.desc !== d.sort.desc) p.set('tsort', `${v.sort.desc ? '-' : ''}${v.sort.col}`);
}

export function decodeLogView(p: URLSearchParams): LogView {
  const v = defaultLogView();
  const viz = p.get('viz');
  if (viz && (VIZ as readonly string[]).includes(viz)) v.viz = viz as Viz;
  const agg = p.get('agg');
  const colon = agg ? agg.indexOf(':') : -1;
  if (agg && colon > 0 && (AGGREGATIONS as readonly string[]).includes(agg.slice(0, colon)) && agg.length > colon + 1) {
    v.agg = agg.slice(0, colon);
    v.measure = agg.slice(colon + 1);
  }
  const by = p.get('by');
  if (by) v.by = by.split(',').map((s) => s.trim()).filter(Boolean).slice(0, MAX_GROUPS);
  const top = Number(p.get('top'));
  if ((LIMITS as readonly number[]).includes(top)) v.limit = top;
  const roll = p.get('roll');
  if (roll && /^\d+[smhd]$/.test(roll)) v.rollup = roll;
  const ts = p.get('tsort');
  if (ts) v.sort = { col: ts.replace(/^-/, ''), desc: ts.startsWith('-') };
  return v;
}

const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

// The rollup interval in seconds: a fixed one, or about 60 points over the range.
export function rollupSeconds(rollup: string, fromMs: number, toMs: number): number {
  const m = /^(\d+)([smhd])$/.exec(rollup);
  if (m) return Number(m[1]) * UNIT_S[m[2]];
  return Math.max(1, Math.ceil((toMs - fromMs) / 60 / 1000));
}

export interface AggregateRequest {
  compute: { aggregation: string; metric?: string; type: 'total' | 'timeseries'; interval?: string }[];
  filter: { query: string; from: string; to: string };
  group_by: { facet: string; limit: number }[];
}

export function aggregateRequest(v: LogView, query: string, fromMs: number, toMs: number): AggregateRequest {
  const ts = v.viz === 'timeseries';
  return {
    compute: [
      {
        aggregation: v.agg,
        ...(v.agg !== 'count' && v.measure ? { metric: v.measure } : {}),
        type: ts ? 'timeseries' : 'total',
        ...(ts ? { interval: `${rollupSeconds(v.rollup, fromMs, toMs)}s` } : {}),
      },
    ],
    filter: { query: query || '*', from: String(fromMs), to: String(toMs) },
    group_by: v.by.map((facet) => ({ facet, limit: v.limit })),
  };
}

export interface Bucket {
  by: Record<string, unknown>;
  computes: Record<string, number | { time: string | number; value: number }[] | null | undefined>;
}

export interface GroupRow {
  by: Record<string, string>;
  label: string;
  value: number;
}

export function groupLabel(by: Record<string, string>, facets: string[]): string {
  return facets.length ? facets.map((f) => by[f] ?? '').join(' · ') : 'all logs';
}

function byStrings(b: Bucket, facets: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of facets) out[f] = b.by[f] === undefined || b.by[f] === null ? '' : String(b.by[f]);
  return out;
}

// Totals per group, largest first.
export function toRows(buckets: Bucket[], facets: string[]): GroupRow[] {
  const rows = buckets.map((b) => {
    const by = byStrings(b, facets);
    const c = b.computes.c0;
    return { by, label: groupLabel(by, facets), value: typeof c === 'number' ? c : Number(c ?? 0) };
  });
  return rows.sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
}

export function sortRows(rows: GroupRow[], sort: { col: string; desc: boolean }): GroupRow[] {
  const dir = sort.desc ? -1 : 1;
  return rows.slice().sort((a, b) => {
    const c = sort.col === 'value' ? a.value - b.value : (a.by[sort.col] ?? '').localeCompare(b.by[sort.col] ?? '', undefined, { numeric: true });
    return c * dir || a.label.localeCompare(b.label);
  });
}

// One series per group over every interval of the range; empty intervals are `empty`
// (0 for a count, null, drawn as a gap, for an aggregation of a measure).
export function toSeries(buckets: Bucket[], facets: string[], fromMs: number, toMs: number, intervalS: number, empty: number | null = null): { times: number[]; series: { label: string; by: Record<string, string>; values: (number | null)[] }[] } {
  const step = intervalS * 1000;
  const start = Math.floor(fromMs / step) * step;
  const times: number[] = [];
  for (let t = start; t <= toMs; t += step) times.push(t / 1000);
  const series = buckets.map((b) => {
    const values: (number | null)[] = new Array(times.length).fill(empty);
    const pts = b.computes.c0;
    if (Array.isArray(pts)) {
      for (const p of pts) {
        const t = typeof p.time === 'number' ? p.time : Date.parse(p.time);
        const i = Math.floor((t - start) / step);
        if (i >= 0 && i < values.length) values[i] = (values[i] ?? 0) + p.value;
      }
    }
    const by = byStrings(b, facets);
    return { label: groupLabel(by, facets), by, values };
  });
  return { times, series };
}

export function measureLabel(v: LogView): string {
  return v.agg === 'count' ? 'Count of logs' : `${v.agg} of ${v.measure}`;
}

export function fmtValue(n: number): string {
  if (!Number.isFinite(n)) return '';
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  const a = Math.abs(n);
  return n.toLocaleString('en-US', { maximumFractionDigits: a >= 100 ? 1 : a >= 1 ? 3 : 6 });
}

// Short axis labels: 1.2K, 48M.
export function fmtCompact(n: number): string {
  return new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 }).format(n);
}
