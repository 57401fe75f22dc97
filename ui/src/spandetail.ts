// The detail of one span in a trace: its tags (each a filter for the span search), its
// error with the stack, the logs of its trace, and its host's metrics around it.
import { api, isAbort } from './api';
import { Chart, markedLine, STATUS_COLORS } from './chart';
import { append, errorBox, fmtTime, h } from './dom';
import { flatten } from './logs';
import type { App } from './main';
import { facetTerm } from './query';
import { ApiSpan, fmtDuration } from './spanfmt';
import { defaultState, encodeState, ViewState } from './state';

// Fields the span search knows without '@', and the name it knows them by.
const RESERVED: [keyof ApiSpan, string][] = [
  ['service', 'service'],
  ['resource_name', 'resource_name'],
  ['operation_name', 'operation_name'],
  ['status', 'status'],
  ['env', 'env'],
  ['version', 'version'],
  ['host', 'host'],
  ['type', 'type'],
  ['span_kind', 'kind'],
  ['trace_id', 'trace_id'],
  ['span_id', 'span_id'],
  ['parent_id', 'parent_id'],
];
// Host metrics worth a chart, in this order; other system.* metrics follow.
const HOST_METRICS = ['system.cpu.user', 'system.cpu.system', 'system.mem.used', 'system.load.1', 'system.cpu.iowait', 'system.net.bytes_rcvd', 'system.net.bytes_sent', 'system.disk.used'];
const MAX_CHARTS = 4;
const WINDOW_MS = 15 * 60 * 1000;

interface LogEvent {
  id: string;
  attributes: { timestamp: string; status?: string; service?: string; message?: string; attributes?: Record<string, unknown> };
}

export function spanStartMs(s: ApiSpan): number {
  return Date.parse(s.start_timestamp);
}

export function spanError(s: ApiSpan): { type: string; message: string; stack: string } | null {
  const err = (s.custom?.error ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  const e = { type: str(err.type), message: str(err.message) || str(s.status_message), stack: str(err.stack) };
  if (s.status !== 'error' && !e.type && !e.stack) return null;
  return e;
}

// The span search's link for one term, over the time range in view.
export function searchLink(state: ViewState, term: string): string {
  return encodeState({ ...defaultState('/apm/traces'), query: term, range: state.range, live: state.live });
}

export interface SpanDetail {
  el: HTMLElement;
  show(span: ApiSpan | null, s: ViewState): void;
  destroy(): void;
}

export function spanDetail(app: App, traceId: string, spans: ApiSpan[], colorOf: (service: string) => string): SpanDetail {
  const el = h('aside', { class: 'detail span-detail', hidden: true, 'aria-label': 'Span detail' });
  let charts: Chart[] = [];
  let abort: AbortController | null = null;
  let shown: string | null = null;
  let shownTab = '';
  let logsCache: { key: string; logs: Promise<LogEvent[]> } | null = null;

  function clear(): void {
    abort?.abort();
    abort = null;
    for (const c of charts) c.destroy();
    charts = [];
  }

  function tabsFor(span: ApiSpan): { id: string; label: string }[] {
    const tabs = [{ id: 'tags', label: 'Tags' }];
    if (spanError(span)) tabs.push({ id: 'errors', label: 'Errors' });
    tabs.push({ id: 'logs', label: 'Logs' });
    if (span.host) tabs.push({ id: 'metrics', label: 'Host metrics' });
    return tabs;
  }

  function tagsTab(span: ApiSpan): HTMLElement {
    const row = (key: string, value: unknown, term: string) =>
      h(
        'li',
        null,
        h(
          'a',
          { class: 'attr', 'data-key': key, title: `Search spans with ${term}`, href: searchLink(app.state(), term) },
          h('span', { class: 'attr-key' }, key),
          h('span', { class: 'attr-value mono' }, typeof value === 'string' ? value : JSON.stringify(value)),
        ),
      );
    const reserved = RESERVED.filter(([k]) => span[k] !== undefined && span[k] !== '' && span[k] !== '0').map(([k, name]) => row(String(k), span[k], facetTerm(name, String(span[k]))));
    const custom = flatten(span.custom ?? {})
      .filter(([k]) => !k.startsWith('_dd.') && !k.startsWith('error.'))
      .sort((a, b) => a[0].localeCompare(b[0]))
      .map(([k, v]) => row(k, v, facetTerm(`@${k}`, typeof v === 'string' ? v : JSON.stringify(v))));
    return h(
      'div',
      { class: 'tab-body', 'data-tab': 'tags' },
      h('div', { class: 'detail-section' }, 'Span'),
      h('ul', { class: 'attrs' }, ...reserved),
      custom.length ? h('div', { class: 'detail-section' }, 'Attributes') : null,
      custom.length ? h('ul', { class: 'attrs' }, ...custom) : null,
    );
  }

  function errorsTab(span: ApiSpan): HTMLElement {
    const e = spanError(span)!;
    return h(
      'div',
      { class: 'tab-body', 'data-tab': 'errors' },
      h('div', { class: 'span-err' }, h('div', { class: 'span-err-type' }, e.type || 'Error'), h('div', { class: 'span-err-message' }, e.message || '(no message)')),
      e.stack ? h('div', { class: 'detail-section' }, 'Stack') : null,
      e.stack ? h('pre', { class: 'span-stack mono' }, e.stack) : h('div', { class: 'hint' }, 'The span carries no stack.'),
    );
  }

  function logsTab(span: ApiSpan, all: ApiSpan[]): HTMLElement {
    const body = h('div', { class: 'tab-body', 'data-tab': 'logs' }, h('div', { class: 'hint' }, 'Loading logs…'));
    const starts = all.map(spanStartMs);
    const from = Math.min(...starts) - 3600e3;
    const to = Math.max(...all.map((s) => spanStartMs(s) + s.duration / 1e6)) + 3600e3;
    const query = `trace_id:${traceId}`;
    const key = `${from}:${to}`;
    if (!logsCache || logsCache.key !== key) {
      logsCache = {
        key,
        logs: api<{ data: LogEvent[] }>('/api/v2/logs/events/search', { body: { filter: { query, from: String(from), to: String(to) }, page: { limit: 200 }, sort: 'timestamp' } }).then((r) => r.data),
      };
    }
    const cache = logsCache;
    const load = () => {
      cache.logs
        .then((logs) => {
          // The server keeps span ids of logs in the spans' hex form.
          const own = (l: LogEvent) => String(l.attributes.attributes?.span_id ?? '') === span.span_id;
          const mine = logs.filter(own);
          const others = logs.filter((l) => !own(l));
          const item = (l: LogEvent) => {
            const status = (l.attributes.status ?? 'info').toLowerCase();
            const href = encodeState({ ...defaultState('/logs'), query, range: { kind: 'absolute', from, to }, live: false, selected: l.id });
            return h(
              'li',
              null,
              h(
                'a',
                { class: 'span-log', href, 'data-id': l.id, title: 'Open in the log explorer' },
                h('span', { class: 'status-bar', style: `background: ${STATUS_COLORS[status] ?? '#8a93a6'}`, title: status }),
                h('span', { class: 'span-log-time mono' }, fmtTime(Date.parse(l.attributes.timestamp)).slice(11)),
                h('span', { class: 'span-log-msg' }, l.attributes.message ?? ''),
              ),
            );
          };
          body.replaceChildren();
          if (!logs.length) {
            body.append(h('div', { class: 'empty' }, 'No logs carry this trace id.'));
            return;
          }
          append(body, [
            h('div', { class: 'detail-section' }, `Logs of this span (${mine.length})`),
            mine.length ? h('ul', { class: 'span-logs' }, ...mine.map(item)) : h('div', { class: 'hint' }, 'No log names this span; the trace has logs below.'),
            others.length ? h('div', { class: 'detail-section' }, `Other logs of the trace (${others.length})`) : null,
            others.length ? h('ul', { class: 'span-logs' }, ...others.map(item)) : null,
            h('a', { class: 'btn span-logs-all', href: encodeState({ ...defaultState('/logs'), query, range: { kind: 'absolute', from, to }, live: false }) }, 'Open in Log Explorer →'),
          ]);
        })
        .catch((e) => {
          if (isAbort(e)) return;
          logsCache = null;
          body.replaceChildren(errorBox((e as Error).message, () => show(span, app.state(), true)));
        });
    };
    load();
    return body;
  }

  function metricsTab(span: ApiSpan): HTMLElement {
    const host = span.host!;
    const body = h('div', { class: 'tab-body', 'data-tab': 'metrics' }, h('div', { class: 'hint' }, `Loading metrics of ${host}…`));
    const t = spanStartMs(span);
    const from = t - WINDOW_MS;
    const to = t + WINDOW_MS;
    const ac = new AbortController();
    abort = ac;
    (async () => {
      // Metrics that reported over the day before; each query then says whether the
      // host has points in the window.
      const list = await api<{ metrics: string[] }>(`/api/v1/metrics?from=${Math.floor((t - 86400e3) / 1000)}`, { signal: ac.signal });
      const system = list.metrics.filter((m) => m.startsWith('system.'));
      const rank = (m: string) => (HOST_METRICS.includes(m) ? HOST_METRICS.indexOf(m) : HOST_METRICS.length);
      system.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
      const found: { metric: string; times: number[]; values: (number | null)[] }[] = [];
      for (const metric of system) {
        if (found.length >= MAX_CHARTS) break;
        const q = `avg:${metric}{host:${host}}`;
        const r = await api<{ series: { pointlist: [number, number | null][] }[] }>(`/api/v1/query?from=${from}&to=${to}&query=${encodeURIComponent(q)}`, { signal: ac.signal });
        const pts = r.series[0]?.pointlist ?? [];
        if (!pts.some((p) => p[1] !== null)) continue;
        found.push({ metric, times: pts.map((p) => p[0] / 1000), values: pts.map((p) => p[1]) });
      }
      if (ac.signal.aborted) return;
      body.replaceChildren(h('div', { class: 'hint' }, `${host}, 15 minutes either side of the span (dashed line)`));
      if (!found.length) {
        body.append(h('div', { class: 'empty no-metrics' }, `No metrics for host ${host} in the 30 minutes around this span.`));
        return;
      }
      for (const f of found) {
        const box = h('div', { class: 'host-chart', 'data-metric': f.metric });
        body.append(h('div', { class: 'host-chart-title mono' }, f.metric), box);
        charts.push(markedLine(box, f.times, f.values, f.metric, t / 1000, 120));
      }
    })().catch((e) => {
      if (isAbort(e)) return;
      body.replaceChildren(errorBox((e as Error).message, () => show(span, app.state(), true)));
    });
    return body;
  }

  function show(span: ApiSpan | null, s: ViewState, force = false): void {
    if (!span) {
      clear();
      shown = null;
      el.hidden = true;
      return;
    }
    const tabs = tabsFor(span);
    const tab = tabs.some((t) => t.id === s.tab) ? s.tab : 'tags';
    if (!force && shown === span.span_id && shownTab === tab) return;
    clear();
    shown = span.span_id;
    shownTab = tab;
    const tabBar = h(
      'div',
      { class: 'tabs', role: 'tablist' },
      ...tabs.map((t) =>
        h('button', { class: 'tab' + (t.id === tab ? ' active' : ''), role: 'tab', 'aria-selected': String(t.id === tab), 'data-tab': t.id, onclick: () => app.set({ tab: t.id }, { replace: true }) }, t.label),
      ),
    );
    const body = tab === 'errors' ? errorsTab(span) : tab === 'logs' ? logsTab(span, spans) : tab === 'metrics' ? metricsTab(span) : tagsTab(span);
    el.replaceChildren(
      h(
        'div',
        { class: 'detail-head' },
        h('div', { class: 'span-head' }, h('span', { class: 'legend-dot', style: `background: ${colorOf(span.service)}` }), h('strong', { class: 'span-head-service' }, span.service), span.status === 'error' ? h('span', { class: 'badge-error' }, 'error') : null),
        h('button', { class: 'btn', 'aria-label': 'Close', onclick: () => app.set({ selected: null }) }, '✕'),
      ),
      h('div', { class: 'span-head-resource mono' }, span.resource_name || span.operation_name || ''),
      h('div', { class: 'span-head-meta' }, h('span', null, h('span', { class: 'hint' }, 'Duration '), fmtDuration(span.duration)), h('span', null, h('span', { class: 'hint' }, 'Start '), fmtTime(spanStartMs(span))), span.operation_name ? h('span', null, h('span', { class: 'hint' }, 'Operation '), span.operation_name) : null),
      tabBar,
      body,
    );
    el.hidden = false;
  }

  return {
    el,
    show(span, s) {
      show(span, s);
    },
    destroy: clear,
  };
}
