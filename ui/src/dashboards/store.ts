// The dashboards API (Datadog's v1 shapes) and the metric queries widgets run.
import { api } from '../api';
import type { Dashboard, DashboardSummary } from './model';
import { toBody } from './model';
import type { Series } from './reduce';

export function listDashboards(): Promise<DashboardSummary[]> {
  return api<{ dashboards: DashboardSummary[] }>('/api/v1/dashboard').then((r) => r.dashboards ?? []);
}

export function getDashboard(id: string, signal?: AbortSignal): Promise<Dashboard> {
  return api<Dashboard>(`/api/v1/dashboard/${encodeURIComponent(id)}`, { signal });
}

export function createDashboard(d: Dashboard): Promise<Dashboard> {
  return api<Dashboard>('/api/v1/dashboard', { method: 'POST', body: toBody(d) });
}

export function updateDashboard(id: string, d: Dashboard): Promise<Dashboard> {
  return api<Dashboard>(`/api/v1/dashboard/${encodeURIComponent(id)}`, { method: 'PUT', body: toBody(d) });
}

export function deleteDashboard(id: string): Promise<unknown> {
  return api<unknown>(`/api/v1/dashboard/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export function tagValues(key: string, fromMs: number, signal?: AbortSignal): Promise<string[]> {
  const from = Math.floor(fromMs / 1000);
  return api<{ values: string[] }>(`/api/v1/tags/values?key=${encodeURIComponent(key)}&from=${from}`, { signal }).then((r) => r.values ?? []);
}

// Widgets of one dashboard often ask the same question (a graph and a table of one
// query): answers are shared for a few seconds, so each is asked once per draw.
const recent = new Map<string, { at: number; answer: Promise<Series[]> }>();
const SHARE_MS = 5000;

export function runQuery(query: string, from: number, to: number, signal?: AbortSignal): Promise<Series[]> {
  const url = `/api/v1/query?from=${Math.floor(from / 1000)}&to=${Math.floor(to / 1000)}&query=${encodeURIComponent(query)}`;
  const now = Date.now();
  for (const [k, v] of recent) if (now - v.at > SHARE_MS) recent.delete(k);
  let hit = recent.get(url);
  if (!hit) {
    // Not tied to one widget's signal: another widget may be waiting for it too.
    const answer = api<{ series: Series[] }>(url).then((r) => r.series ?? []);
    hit = { at: now, answer };
    recent.set(url, hit);
    answer.catch(() => recent.delete(url));
  }
  if (!signal) return hit.answer;
  const answer = hit.answer;
  return new Promise<Series[]>((resolve, reject) => {
    if (signal.aborted) return reject(new DOMException('aborted', 'AbortError'));
    signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError')), { once: true });
    answer.then(resolve, reject);
  });
}

export function dashboardPath(d: { id?: string; url?: string }): string {
  return d.url && d.url.startsWith('/dashboard/') ? d.url : `/dashboard/${d.id}`;
}
