// What a view shows lives in its URL, so every view is a link: the path picks the
// page, the search parameters hold the query, the time range and the selections.
import { decodeLogView, defaultLogView, encodeLogView, LogView } from './logview';

export const RELATIVE_RANGES = ['15m', '1h', '4h', '1d', '7d', '30d'] as const;

export type TimeRange = { kind: 'relative'; span: string } | { kind: 'absolute'; from: number; to: number };

export interface ViewState {
  page: string; // "/metric/explorer", "/logs", "/apm/traces/<id>"
  query: string;
  range: TimeRange;
  live: boolean;
  selected: string | null; // a log id in the detail panel, a span id in a trace
  list: 'spans' | 'traces'; // the span search lists spans or whole traces
  sort: string; // the span search's order: '' (newest first), 'duration' or '-duration'
  view: 'waterfall' | 'flame'; // how a trace is drawn (the waterfall, as older links showed)
  tab: string; // the span detail's tab: 'tags', 'errors', 'logs', 'metrics'
  logView: LogView; // the log explorer's visualisation (list or an aggregate)
}

export const SPAN_TABS = ['tags', 'errors', 'logs', 'metrics'] as const;
export const SORTS = ['', 'duration', '-duration'] as const;

const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

export function spanMs(span: string): number {
  const m = /^(\d+)([smhdw])$/.exec(span);
  if (!m) throw new Error(`not a time span: ${span}`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

// The range as epoch milliseconds, relative ranges ending at `now`.
export function resolveRange(range: TimeRange, now: number): { from: number; to: number } {
  if (range.kind === 'absolute') return { from: range.from, to: range.to };
  return { from: now - spanMs(range.span), to: now };
}

export function defaultState(page: string): ViewState {
  return { page, query: '', range: { kind: 'relative', span: '1h' }, live: true, selected: null, list: 'spans', sort: '', view: 'waterfall', tab: 'tags', logView: defaultLogView() };
}

export function encodeState(s: ViewState): string {
  const p = new URLSearchParams();
  if (s.query) p.set('q', s.query);
  if (s.range.kind === 'relative') p.set('t', s.range.span);
  else {
    p.set('from', String(s.range.from));
    p.set('to', String(s.range.to));
  }
  if (!s.live) p.set('live', '0');
  if (s.selected) p.set('sel', s.selected);
  // Trace explorer parameters, written only when they differ from the default.
  if (s.list !== 'spans') p.set('list', s.list);
  if (s.sort) p.set('sort', s.sort);
  if (s.view !== 'waterfall') p.set('view', s.view);
  if (s.tab !== 'tags') p.set('tab', s.tab);
  encodeLogView(s.logView, p);
  const qs = p.toString();
  return qs ? `${s.page}?${qs}` : s.page;
}

export function decodeState(pathname: string, search: string): ViewState {
  const p = new URLSearchParams(search);
  const s = defaultState(pathname === '/' || pathname === '' ? '/metric/explorer' : pathname);
  s.query = p.get('q') ?? '';
  const from = Number(p.get('from'));
  const to = Number(p.get('to'));
  const t = p.get('t');
  if (p.has('from') && p.has('to') && Number.isFinite(from) && Number.isFinite(to) && from < to) {
    s.range = { kind: 'absolute', from, to };
  } else if (t && /^\d+[smhdw]$/.test(t)) {
    s.range = { kind: 'relative', span: t };
  }
  // An absolute range never moves, so it is never live.
  s.live = p.get('live') !== '0' && s.range.kind === 'relative';
  s.selected = p.get('sel');
  if (p.get('list') === 'traces') s.list = 'traces';
  const sort = p.get('sort') ?? '';
  if ((SORTS as readonly string[]).includes(sort)) s.sort = sort;
  if (p.get('view') === 'flame') s.view = 'flame';
  const tab = p.get('tab') ?? '';
  if ((SPAN_TABS as readonly string[]).includes(tab)) s.tab = tab;
  s.logView = decodeLogView(p);
  return s;
}

export function rangeLabel(range: TimeRange): string {
  if (range.kind === 'relative') {
    const names: Record<string, string> = {
      '15m': 'Past 15 minutes',
      '1h': 'Past 1 hour',
      '4h': 'Past 4 hours',
      '1d': 'Past 1 day',
      '7d': 'Past 7 days',
      '30d': 'Past 30 days',
    };
    return names[range.span] ?? `Past ${range.span}`;
  }
  const f = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
  return `${f(range.from)} – ${f(range.to)} UTC`;
}
