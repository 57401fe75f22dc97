// What the monitor pages compute from the API's answers: status order and colours,
// threshold lines, counts per status, the list's search, and the history timeline.
import type { Comparator } from './querycompose';

export const STATUSES = ['Alert', 'Warn', 'No Data', 'OK', 'Skipped'] as const;
export type Status = (typeof STATUSES)[number] | 'Ignored' | 'Unknown';

// Worst first, for sorting and the overall state.
export function statusRank(s: string): number {
  const i = (STATUSES as readonly string[]).indexOf(s);
  return i < 0 ? STATUSES.length : i;
}

// A CSS class name for a status: "No Data" → "nodata".
export function statusClass(s: string): string {
  return s.toLowerCase().replace(/[^a-z]/g, '') || 'unknown';
}

export const STATUS_COLOR: Record<string, string> = {
  alert: '#d9424f',
  warn: '#e6a23c',
  nodata: '#8a93a6',
  ok: '#2f9e6e',
  skipped: '#b7a8d6',
  unknown: '#8a93a6',
};

export interface Thresholds {
  critical?: number | null;
  warning?: number | null;
  critical_recovery?: number | null;
  warning_recovery?: number | null;
}

export interface ThresholdLine {
  kind: 'critical' | 'warning' | 'critical_recovery' | 'warning_recovery';
  label: string;
  value: number;
  color: string;
  dash: number[];
}

// The horizontal lines a graph of the query draws: critical red, warning yellow, both
// dashed; recoveries dotted in the colour they recover from.
export function thresholdLines(t: Thresholds, comparator: Comparator): ThresholdLine[] {
  const out: ThresholdLine[] = [];
  const add = (kind: ThresholdLine['kind'], label: string, color: string, dash: number[]) => {
    const v = t[kind];
    if (typeof v === 'number' && Number.isFinite(v)) out.push({ kind, label: `${label} ${comparator} ${v}`, value: v, color, dash });
  };
  add('critical', 'Alert', STATUS_COLOR.alert, [8, 5]);
  add('warning', 'Warn', STATUS_COLOR.warn, [8, 5]);
  add('critical_recovery', 'Alert recovery', STATUS_COLOR.alert, [2, 4]);
  add('warning_recovery', 'Warn recovery', STATUS_COLOR.warn, [2, 4]);
  return out;
}

// The y range a graph needs so its threshold lines show next to the data.
export function yRange(values: (number | null)[], lines: ThresholdLine[]): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) if (v !== null && Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  for (const l of lines) (lo = Math.min(lo, l.value)), (hi = Math.max(hi, l.value));
  if (!Number.isFinite(lo)) return null;
  if (lo === hi) return [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.08;
  return [lo >= 0 && lo - pad < 0 ? 0 : lo - pad, hi + pad];
}

export interface MonitorSummary {
  id: number;
  name: string;
  type: string;
  tags: string[];
  overall_state: string;
}

export function statusCounts(monitors: { overall_state: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const s of STATUSES) counts[s] = 0;
  for (const m of monitors) counts[m.overall_state] = (counts[m.overall_state] ?? 0) + 1;
  return counts;
}

// The list's search box: words match the name, `status:alert` and `tag:team:a` filter.
export interface ListSearch {
  text: string;
  statuses: string[];
  tags: string[];
}

const STATUS_WORDS: Record<string, string> = { alert: 'Alert', warn: 'Warn', nodata: 'No Data', no_data: 'No Data', ok: 'OK', skipped: 'Skipped' };

export function parseListSearch(q: string): ListSearch {
  const out: ListSearch = { text: '', statuses: [], tags: [] };
  const words: string[] = [];
  for (const w of q.trim().split(/\s+/).filter(Boolean)) {
    const s = /^status:(.+)$/i.exec(w);
    const t = /^tag:(.+)$/i.exec(w);
    if (s && STATUS_WORDS[s[1].toLowerCase()]) out.statuses.push(STATUS_WORDS[s[1].toLowerCase()]);
    else if (t) out.tags.push(t[1]);
    else words.push(w);
  }
  out.text = words.join(' ');
  return out;
}

export function formatListSearch(s: ListSearch): string {
  const parts: string[] = [];
  for (const st of s.statuses) parts.push(`status:${statusClass(st)}`);
  for (const t of s.tags) parts.push(`tag:${t}`);
  if (s.text) parts.push(s.text);
  return parts.join(' ');
}

// Adds the status filter when absent, removes it when present.
export function toggleStatus(q: string, status: string): string {
  const s = parseListSearch(q);
  s.statuses = s.statuses.includes(status) ? s.statuses.filter((x) => x !== status) : [...s.statuses, status];
  return formatListSearch(s);
}

// What the server does not filter: status, and name words (the server matches a
// substring; this keeps a stale answer from showing rows that no longer match).
export function filterMonitors<T extends MonitorSummary>(monitors: T[], s: ListSearch): T[] {
  const text = s.text.toLowerCase();
  return monitors.filter(
    (m) =>
      (s.statuses.length === 0 || s.statuses.includes(m.overall_state)) &&
      (!text || m.name.toLowerCase().includes(text)) &&
      s.tags.every((t) => m.tags.includes(t)),
  );
}

export interface HistoryEvent {
  timestamp: number; // ms
  group: string;
  from: string;
  to: string;
  value: number | null;
  renotify?: boolean;
  notified?: boolean;
}

export interface Segment {
  from: number;
  to: number;
  status: string;
}

// One band per group over [from, to]: the state before the first change in the range
// is that change's `from` (or the last change before the range), and each change
// starts a segment of its `to`. Groups without changes keep their current state.
// An edit of the query starts the groups' states afresh without a history entry: when
// `resetAt` (the monitor's last edit) follows a group's last change and its state now
// differs, the band switches to the current state there.
export function timelineSegments(history: HistoryEvent[], current: Record<string, string>, from: number, to: number, resetAt?: number): Map<string, Segment[]> {
  const byGroup = new Map<string, HistoryEvent[]>();
  for (const e of history) {
    if (!byGroup.has(e.group)) byGroup.set(e.group, []);
    byGroup.get(e.group)!.push(e);
  }
  for (const g of Object.keys(current)) if (!byGroup.has(g)) byGroup.set(g, []);
  const out = new Map<string, Segment[]>();
  for (const [group, events] of [...byGroup].sort((a, b) => a[0].localeCompare(b[0]))) {
    const sorted = events.slice().sort((a, b) => a.timestamp - b.timestamp);
    const before = sorted.filter((e) => e.timestamp <= from);
    const inside = sorted.filter((e) => e.timestamp > from && e.timestamp < to);
    let status = before.length ? before[before.length - 1].to : inside.length ? inside[0].from : current[group] ?? 'OK';
    let start = from;
    const segs: Segment[] = [];
    const changes = inside.map((e) => ({ timestamp: e.timestamp, to: e.to }));
    const last = sorted[sorted.length - 1];
    const now = current[group];
    if (resetAt !== undefined && now !== undefined && last && last.timestamp < resetAt && last.to !== now && resetAt > from && resetAt < to) {
      changes.push({ timestamp: resetAt, to: now });
    }
    for (const e of changes) {
      if (e.timestamp > start) segs.push({ from: start, to: e.timestamp, status });
      status = e.to;
      start = e.timestamp;
    }
    segs.push({ from: start, to, status });
    // Neighbours in the same state are one segment.
    const merged: Segment[] = [];
    for (const s of segs) {
      const last = merged[merged.length - 1];
      if (last && last.status === s.status && last.to === s.from) last.to = s.to;
      else merged.push({ ...s });
    }
    out.set(group, merged);
  }
  return out;
}

// "3 min ago" for the list's last change.
export function ago(ms: number, now: number): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s}s ago`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const hr = Math.round(m / 60);
  if (hr < 48) return `${hr} h ago`;
  return `${Math.round(hr / 24)} d ago`;
}
