// What widgets other than graphs show: one number per series, chosen colours, ranked
// bars, table rows, pie slices and heatmap buckets — all from the v1 query answer.
import type { ConditionalFormat } from './model';

export interface Series {
  metric: string;
  scope: string;
  expression?: string;
  display_name?: string;
  tag_set: string[];
  pointlist: [number, number | null][];
}

export function seriesLabel(s: Series, alias?: string): string {
  const tags = s.tag_set.length ? s.tag_set.join(', ') : '';
  if (alias) return tags ? `${alias} (${tags})` : alias;
  return tags || s.expression || s.display_name || s.metric;
}

export type Aggregator = 'avg' | 'last' | 'min' | 'max' | 'sum' | 'mean' | 'area' | 'count';

// One number for a list of points; null when there is no point.
export function aggregate(values: (number | null)[], agg: string = 'avg'): number | null {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (!v.length) return null;
  switch (agg) {
    case 'last':
      return v[v.length - 1];
    case 'min':
      return Math.min(...v);
    case 'max':
      return Math.max(...v);
    case 'sum':
    case 'area':
      return v.reduce((a, b) => a + b, 0);
    case 'count':
      return v.length;
    default:
      return v.reduce((a, b) => a + b, 0) / v.length;
  }
}

// The query value of a widget: every series' points together (a query grouped by
// something is summed across groups per point first, as Datadog shows one number).
export function queryValue(series: Series[], agg: string = 'avg'): number | null {
  if (!series.length) return null;
  if (series.length === 1) return aggregate(series[0].pointlist.map((p) => p[1]), agg);
  const perTime = new Map<number, number>();
  for (const s of series) for (const [t, v] of s.pointlist) if (typeof v === 'number') perTime.set(t, (perTime.get(t) ?? 0) + v);
  const times = [...perTime.keys()].sort((a, b) => a - b);
  return aggregate(
    times.map((t) => perTime.get(t)!),
    agg,
  );
}

export function matches(value: number, f: ConditionalFormat): boolean {
  const x = Number(f.value);
  switch (f.comparator) {
    case '>':
      return value > x;
    case '>=':
      return value >= x;
    case '<':
      return value < x;
    case '<=':
      return value <= x;
    default:
      return false;
  }
}

// The first conditional format that applies, as Datadog picks it.
export function chooseFormat(value: number | null, formats: ConditionalFormat[] | undefined): ConditionalFormat | null {
  if (value === null || !formats) return null;
  return formats.find((f) => matches(value, f)) ?? null;
}

// Datadog's conditional palettes as foreground and background colours.
export const CONDITIONAL_PALETTES: Record<string, { fg: string; bg: string }> = {
  white_on_red: { fg: '#ffffff', bg: '#d9424f' },
  white_on_yellow: { fg: '#ffffff', bg: '#e2a600' },
  white_on_green: { fg: '#ffffff', bg: '#2f9e6e' },
  white_on_gray: { fg: '#ffffff', bg: '#7b8494' },
  black_on_light_red: { fg: '#1d2330', bg: '#f7c6cb' },
  black_on_light_yellow: { fg: '#1d2330', bg: '#fbe7a6' },
  black_on_light_green: { fg: '#1d2330', bg: '#bfe8d2' },
  red_on_white: { fg: '#d9424f', bg: 'transparent' },
  yellow_on_white: { fg: '#d39a00', bg: 'transparent' },
  green_on_white: { fg: '#2f9e6e', bg: 'transparent' },
  gray_on_white: { fg: '#7b8494', bg: 'transparent' },
};

export function fmtValue(v: number | null, precision?: number, unit?: string): string {
  if (v === null || !Number.isFinite(v)) return 'N/A';
  const abs = Math.abs(v);
  let text: string;
  const p = typeof precision === 'number' && precision >= 0 ? Math.min(precision, 10) : null;
  if (abs >= 1e9) text = (v / 1e9).toFixed(p ?? 2) + 'G';
  else if (abs >= 1e6) text = (v / 1e6).toFixed(p ?? 2) + 'M';
  else if (abs >= 1e4) text = (v / 1e3).toFixed(p ?? 1) + 'k';
  else text = v.toFixed(p ?? (abs >= 100 ? 0 : abs >= 1 ? 2 : 3));
  if (p === null && text.includes('.')) text = text.replace(/\.?0+(?=[kMG]?$)/, '');
  return unit ? `${text} ${unit}` : text;
}

// top(q, 10, 'mean', 'desc'): how many, ranked by what, which way.
export function parseTop(q: string): { limit: number; by: string; order: 'asc' | 'desc' } | null {
  const m = /^\s*top\s*\((.*),\s*(\d+)\s*,\s*['"](\w+)['"]\s*,\s*['"](asc|desc)['"]\s*\)\s*$/s.exec(q);
  if (!m) return null;
  return { limit: Number(m[2]), by: m[3], order: m[4] as 'asc' | 'desc' };
}

const BY_TO_AGG: Record<string, string> = { mean: 'avg', max: 'max', min: 'min', sum: 'sum', last: 'last', area: 'sum', l2norm: 'avg', norm: 'avg' };

export interface Ranked {
  label: string;
  tags: string[];
  value: number;
}

// A top list: one value per series, ranked; `top()` sets how, else the highest mean.
export function toplist(series: Series[], q: string, limit = 10): Ranked[] {
  const top = parseTop(q);
  const agg = top ? BY_TO_AGG[top.by] ?? 'avg' : 'avg';
  const order = top?.order ?? 'desc';
  const rows: Ranked[] = [];
  for (const s of series) {
    const v = aggregate(s.pointlist.map((p) => p[1]), agg);
    if (v !== null) rows.push({ label: seriesLabel(s), tags: s.tag_set, value: v });
  }
  rows.sort((a, b) => (order === 'desc' ? b.value - a.value : a.value - b.value) || a.label.localeCompare(b.label));
  return rows.slice(0, top?.limit ?? limit);
}

export interface TableData {
  columns: string[]; // the group tag keys
  rows: { groups: string[]; value: number | null }[];
}

// A query table: a column per group tag, then the aggregated value.
export function tableRows(series: Series[], agg = 'avg', order: 'asc' | 'desc' = 'desc', limit?: number): TableData {
  const columns: string[] = [];
  for (const s of series) for (const t of s.tag_set) {
    const k = t.includes(':') ? t.slice(0, t.indexOf(':')) : t;
    if (!columns.includes(k)) columns.push(k);
  }
  const rows = series.map((s) => {
    const tags = new Map(s.tag_set.map((t) => (t.includes(':') ? [t.slice(0, t.indexOf(':')), t.slice(t.indexOf(':') + 1)] : [t, t])));
    return { groups: columns.map((c) => tags.get(c) ?? ''), value: aggregate(s.pointlist.map((p) => p[1]), agg) };
  });
  rows.sort((a, b) => {
    if (a.value === null) return 1;
    if (b.value === null) return -1;
    return order === 'asc' ? a.value - b.value : b.value - a.value;
  });
  return { columns, rows: typeof limit === 'number' && limit > 0 ? rows.slice(0, limit) : rows };
}

export function sortRows(data: TableData, column: number, dir: 'asc' | 'desc'): TableData {
  const rows = data.rows.slice().sort((a, b) => {
    let c: number;
    if (column >= data.columns.length) {
      if (a.value === null) return 1;
      if (b.value === null) return -1;
      c = a.value - b.value;
    } else c = a.groups[column].localeCompare(b.groups[column], undefined, { numeric: true });
    return dir === 'asc' ? c : -c;
  });
  return { columns: data.columns, rows };
}

export interface Slice {
  label: string;
  value: number;
  fraction: number;
}

// Pie slices: each group's sum over the range as a share of all; largest first.
export function pieSlices(series: Series[], agg = 'sum'): Slice[] {
  const raw = series
    .map((s) => ({ label: seriesLabel(s), value: aggregate(s.pointlist.map((p) => p[1]), agg) ?? 0 }))
    .filter((s) => s.value > 0);
  const total = raw.reduce((a, s) => a + s.value, 0);
  return raw.map((s) => ({ ...s, fraction: total > 0 ? s.value / total : 0 })).sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
}

export interface Heatmap {
  times: number[]; // ms, one column each
  min: number;
  max: number;
  buckets: number;
  counts: number[][]; // [column][bucket], bucket 0 the lowest values
  maxCount: number;
}

// A heatmap: for each point in time, how many series' values fall in each of
// `buckets` equal value ranges between the lowest and highest value seen.
export function heatmapBuckets(series: Series[], buckets = 20): Heatmap | null {
  const times = [...new Set(series.flatMap((s) => s.pointlist.filter((p) => typeof p[1] === 'number').map((p) => p[0])))].sort((a, b) => a - b);
  if (!times.length) return null;
  let min = Infinity;
  let max = -Infinity;
  for (const s of series) for (const [, v] of s.pointlist) if (typeof v === 'number') {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) {
    min -= 0.5;
    max += 0.5;
  }
  const col = new Map(times.map((t, i) => [t, i]));
  const counts = times.map(() => new Array<number>(buckets).fill(0));
  let maxCount = 0;
  for (const s of series) for (const [t, v] of s.pointlist) {
    if (typeof v !== 'number') continue;
    const b = Math.min(buckets - 1, Math.floor(((v - min) / (max - min)) * buckets));
    const c = counts[col.get(t)!];
    c[b]++;
    if (c[b] > maxCount) maxCount = c[b];
  }
  return { times, min, max, buckets, counts, maxCount };
}
