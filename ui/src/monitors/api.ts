// The monitor API (Datadog's v1 shapes) and the data a monitor's graph shows.
import { api } from '../api';
import type { ComposedQuery } from './querycompose';
import type { HistoryEvent, Thresholds } from './model';

export interface GroupState {
  name?: string;
  status: string;
  value: number | null;
  last_triggered_ts: number | null; // seconds
  last_notified_ts: number | null;
  last_nodata_ts?: number | null;
}

export interface MonitorOptions extends Record<string, unknown> {
  thresholds?: Thresholds;
  evaluation_delay?: number | null;
  require_full_window?: boolean;
  on_missing_data?: string;
  notify_no_data?: boolean;
  no_data_timeframe?: number | null;
  renotify_interval?: number | null;
}

export interface Monitor {
  id: number;
  name: string;
  type: string;
  query: string;
  message: string;
  tags: string[];
  priority: number | null;
  options: MonitorOptions;
  overall_state: string;
  overall_state_modified?: string;
  created?: string;
  modified?: string;
  multi?: boolean;
  evaluation_error?: string;
  state?: { groups: Record<string, GroupState> };
  // Only on a single monitor's GET: the active downtimes that apply to it.
  matching_downtimes?: { id: number; scope: string[]; start: number; end: number | null }[];
}

export type MonitorInput = Pick<Monitor, 'name' | 'type' | 'query' | 'message' | 'tags' | 'priority' | 'options'>;

export function listMonitors(name: string, tags: string[], signal?: AbortSignal): Promise<Monitor[]> {
  const p = new URLSearchParams();
  if (name) p.set('name', name);
  if (tags.length) p.set('monitor_tags', tags.join(','));
  return api<Monitor[]>(`/api/v1/monitor?${p}`, { signal });
}

export function getMonitor(id: number, signal?: AbortSignal): Promise<Monitor> {
  return api<Monitor>(`/api/v1/monitor/${id}?group_states=all`, { signal });
}

export function monitorHistory(id: number, signal?: AbortSignal): Promise<HistoryEvent[]> {
  return api<{ history: HistoryEvent[] }>(`/api/v1/monitor/${id}/history`, { signal }).then((r) => r.history);
}

export function createMonitor(m: MonitorInput): Promise<Monitor> {
  return api<Monitor>('/api/v1/monitor', { body: m });
}

export function updateMonitor(id: number, m: MonitorInput): Promise<Monitor> {
  return api<Monitor>(`/api/v1/monitor/${id}`, { method: 'PUT', body: m });
}

export function deleteMonitor(id: number): Promise<unknown> {
  return api<unknown>(`/api/v1/monitor/${id}`, { method: 'DELETE' });
}

export function validateMonitor(m: Partial<MonitorInput>, signal?: AbortSignal): Promise<unknown> {
  return api<unknown>('/api/v1/monitor/validate', { body: m, signal });
}

export function muteMonitor(id: number, body: { scope?: string; end?: number }): Promise<Monitor> {
  return api<Monitor>(`/api/v1/monitor/${id}/mute`, { body });
}

export function unmuteMonitor(id: number): Promise<Monitor> {
  return api<Monitor>(`/api/v1/monitor/${id}/unmute`, { body: {} });
}

// Downtimes (Datadog's v1 shape; times in epoch seconds, UTC only).
export interface Recurrence {
  type: 'days' | 'weeks';
  period: number;
  week_days?: string[];
  until_date?: number | null;
  until_occurrences?: number | null;
}

export interface DowntimeInput {
  scope: string[] | string;
  monitor_id?: number | null;
  monitor_tags?: string[];
  start: number;
  end: number | null;
  message?: string;
  recurrence?: Recurrence | null;
  timezone?: string;
}

export interface Downtime {
  id: number;
  scope: string[];
  monitor_id: number | null;
  monitor_tags: string[];
  start: number;
  end: number | null;
  message?: string;
  recurrence?: Recurrence | null;
  active: boolean;
  disabled: boolean;
  heeler_mute?: boolean;
}

export function listDowntimes(currentOnly: boolean, signal?: AbortSignal): Promise<Downtime[]> {
  return api<Downtime[]>(`/api/v1/downtime${currentOnly ? '?current_only=true' : ''}`, { signal });
}

export function createDowntime(d: DowntimeInput): Promise<Downtime> {
  return api<Downtime>('/api/v1/downtime', { body: d });
}

export function cancelDowntime(id: number): Promise<unknown> {
  return api<unknown>(`/api/v1/downtime/${id}`, { method: 'DELETE' });
}

// Notification channels: webhooks, Slack and Teams incoming webhooks.
export type ChannelKind = 'webhook' | 'slack' | 'teams';

export interface Channel {
  name: string;
  url: string;
  payload?: string | null;
  custom_headers?: string | null;
  encode_as?: 'json' | 'form';
}

const CHANNEL_PATHS: Record<ChannelKind, string> = {
  webhook: '/api/v1/integration/webhooks/configuration/webhooks',
  slack: '/api/v1/integration/slack/configuration/webhooks',
  teams: '/api/v1/integration/ms-teams/configuration/webhooks',
};

export function listChannels(kind: ChannelKind, signal?: AbortSignal): Promise<Channel[]> {
  return api<Channel[]>(CHANNEL_PATHS[kind], { signal });
}

export function saveChannel(kind: ChannelKind, c: Channel, existing: boolean): Promise<Channel> {
  return existing ? api<Channel>(`${CHANNEL_PATHS[kind]}/${encodeURIComponent(c.name)}`, { method: 'PUT', body: c }) : api<Channel>(CHANNEL_PATHS[kind], { body: c });
}

export function deleteChannel(kind: ChannelKind, name: string): Promise<unknown> {
  return api<unknown>(`${CHANNEL_PATHS[kind]}/${encodeURIComponent(name)}`, { method: 'DELETE' });
}

// Every configured channel, by kind; a kind that fails to load is left empty.
export async function allChannels(signal?: AbortSignal): Promise<Record<ChannelKind, Channel[]>> {
  const kinds: ChannelKind[] = ['webhook', 'slack', 'teams'];
  const got = await Promise.all(kinds.map((k) => listChannels(k, signal).catch(() => [] as Channel[])));
  return { webhook: got[0], slack: got[1], teams: got[2] };
}

export interface Delivery {
  timestamp: number; // ms
  group?: string;
  transition?: string;
  channel: string;
  status: string; // delivered | failed | silenced
  attempts: number;
  detail?: string;
}

export function monitorNotifications(id: number, signal?: AbortSignal): Promise<Delivery[]> {
  return api<{ notifications: Delivery[] }>(`/api/v1/monitor/${id}/notifications`, { signal }).then((r) => r.notifications);
}

export interface MonitorEvent {
  title: string;
  text?: string;
  date_happened: number; // s
  timestamp_ms?: number;
  alert_type?: string;
  host?: string;
  tags?: string[];
}

// The monitor's state-change events over [from, to] (ms).
export function monitorEvents(id: number, from: number, to: number, signal?: AbortSignal): Promise<MonitorEvent[]> {
  const p = new URLSearchParams({ start: String(Math.floor(from / 1000)), end: String(Math.ceil(to / 1000)), sources: 'monitor', tags: `monitor_id:${id}` });
  return api<{ events: MonitorEvent[] }>(`/api/v1/events?${p}`, { signal }).then((r) => r.events);
}

// A graph's data: shared times (seconds) and one line per group.
export interface GraphData {
  times: number[];
  lines: { label: string; values: (number | null)[] }[];
}

interface V1Series {
  metric: string;
  scope: string;
  expression?: string;
  tag_set: string[];
  pointlist: [number, number | null][];
}

function align(series: { label: string; points: [number, number | null][] }[]): GraphData {
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const lines = series.map((s) => {
    const values: (number | null)[] = new Array(times.length).fill(null);
    for (const [t, v] of s.points) values[index.get(t)!] = v;
    return { label: s.label, values };
  });
  return { times, lines };
}

const WINDOW_SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86400, w: 7 * 86400 };
export function windowSeconds(w: string): number {
  const m = /^(\d+)([mhdw])$/.exec(w);
  return m ? Number(m[1]) * WINDOW_SECONDS[m[2]] : 300;
}

// What the monitor's query graphs over [from, to] (ms): the metric query itself, or
// the log or span rollup per group in buckets as long as the monitor's window (so a
// count compares with the threshold), never more than about 300 buckets.
export async function queryGraph(c: ComposedQuery, from: number, to: number, signal?: AbortSignal): Promise<GraphData> {
  if (c.kind === 'metric') {
    const r = await api<{ series: V1Series[] }>(
      `/api/v1/query?from=${Math.floor(from / 1000)}&to=${Math.floor(to / 1000)}&query=${encodeURIComponent(c.metric.query.trim())}`,
      { signal },
    );
    return align(
      r.series.map((s) => ({
        label: s.tag_set.length ? s.tag_set.join(',') : s.expression || s.scope || s.metric,
        points: s.pointlist.map(([t, v]) => [t / 1000, v] as [number, number | null]),
      })),
    );
  }
  const e = c.event;
  const interval = Math.max(windowSeconds(e.window), Math.ceil((to - from) / 1000 / 300 / 60) * 60);
  const compute: Record<string, unknown> = { aggregation: e.rollup, type: 'timeseries', interval: `${interval}s` };
  if (e.rollup !== 'count') compute.metric = e.measure;
  const body = {
    compute: [compute],
    filter: { query: e.search.trim() || '*', from: String(Math.floor(from)), to: String(Math.floor(to)) },
    group_by: e.by.map((facet) => ({ facet, limit: 10 })),
  };
  const path = c.kind === 'trace-analytics' ? '/api/v2/spans/analytics/aggregate' : `/api/v2/${c.kind}/analytics/aggregate`;
  const r = await api<{ data: { buckets: { by: Record<string, unknown>; computes: { c0: { time: string; value: number | null }[] } }[] } }>(path, {
    body: c.kind === 'trace-analytics' ? { data: { attributes: body } } : body,
    signal,
  });
  // Every bucket of the range, so a group without events in one shows 0 there.
  const start = Math.floor(from / 1000 / interval) * interval;
  const all: number[] = [];
  for (let t = start; t <= to / 1000; t += interval) all.push(t);
  const counts = e.rollup === 'count';
  return align(
    r.data.buckets.map((b) => {
      const label = e.by.map((f) => `${f}:${String(b.by[f] ?? 'N/A')}`).join(',') || c.kind;
      const have = new Map((Array.isArray(b.computes.c0) ? b.computes.c0 : []).map((p) => [Math.floor(Date.parse(p.time) / 1000), p.value]));
      return { label, points: all.map((t) => [t, have.get(t) ?? (counts ? 0 : null)] as [number, number | null]) };
    }),
  );
}
