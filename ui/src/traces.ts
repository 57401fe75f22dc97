// Trace explorer: span search with the log search's syntax, facets with counts, hits
// by status over time, and a list of matching spans (paged through the search cursor)
// or of whole traces; a row opens its trace.
import { api, ApiError, isAbort } from './api';
import { Chart, stackedBars, STATUS_COLORS } from './chart';
import { errorBox, fmtTime, h, inlineError } from './dom';
import { facetSidebar } from './facets';
import type { App, Page } from './main';
import { errorPosition } from './query';
import { ApiSpan, fmtDuration } from './spanfmt';
import { defaultState, encodeState, resolveRange, ViewState } from './state';

interface SpanEvent {
  id: string;
  attributes: ApiSpan;
}
interface SpanSearch {
  data: SpanEvent[];
  meta?: { page?: { after?: string } };
}
export interface TraceSummary {
  trace_id: string;
  start_timestamp: string;
  duration: number;
  root_service: string;
  root_resource: string;
  services?: string[];
  span_count: number;
  error_count: number;
}

export const TRACE_ROW = 30;
const PAGE_SIZE = 200;
const TRACE_LIMIT = 500;
const OVERSCAN = 8;

// The span search's sort for a URL sort: '' newest first, 'duration' shortest first.
export function spanSort(sort: string): string {
  return sort === 'duration' ? '@duration' : sort === '-duration' ? '-@duration' : '-timestamp';
}

// Traces in the order the URL asks: by duration either way, or newest first.
export function sortTraces(list: TraceSummary[], sort: string): TraceSummary[] {
  const out = list.slice();
  if (sort === 'duration') out.sort((a, b) => a.duration - b.duration);
  else if (sort === '-duration') out.sort((a, b) => b.duration - a.duration);
  else out.sort((a, b) => Date.parse(b.start_timestamp) - Date.parse(a.start_timestamp));
  return out;
}

export function mountTraces(app: App): Page {
  let spans: SpanEvent[] = [];
  let traces: TraceSummary[] = [];
  let cursor: string | undefined;
  let loadingMore = false;
  let abort: AbortController | null = null;
  let chart: Chart | null = null;
  let ran = '';
  let timer: number | undefined;

  const search = h('input', {
    class: 'input mono search-input',
    placeholder: 'Search spans: service:web resource_name:"GET /checkout" @http.status_code:>=500 -status:ok',
    'aria-label': 'Search',
    spellcheck: false,
    autocomplete: 'off',
  });
  const searchError = h('div', { class: 'search-error' });
  const form = h(
    'form',
    {
      class: 'search-bar',
      onsubmit: (e: Event) => {
        e.preventDefault();
        app.set({ query: search.value.trim(), selected: null });
      },
    },
    search,
    h('button', { class: 'btn primary', type: 'submit' }, 'Search'),
  );

  const facets = facetSidebar(app, 'spans', {
    open: ['service', 'resource_name', 'status', 'env', '@http.status_code'],
    first: ['service', 'resource_name', 'status', 'env', '@http.status_code', 'host', 'operation_name'],
    skip: ['resource', 'span.kind', 'version', '@_dd*', '@_sampling_priority_v1', '@runtime-id', '@process_id', '@error.stack', '@service'],
  });

  const chartBox = h('div', { class: 'histogram' });
  const chartStatus = h('div', { class: 'hist-status' });
  const chartTitle = h('div', { class: 'chart-title' }, 'Hits by status');

  const modeSpans = h('button', { class: 'seg', type: 'button', 'data-mode': 'spans', onclick: () => app.set({ list: 'spans' }) }, 'Spans');
  const modeTraces = h('button', { class: 'seg', type: 'button', 'data-mode': 'traces', onclick: () => app.set({ list: 'traces' }) }, 'Traces');
  const countLabel = h('div', { class: 'list-count' });
  const toolbar = h('div', { class: 'list-toolbar' }, h('div', { class: 'segmented', role: 'group', 'aria-label': 'List' }, modeSpans, modeTraces), countLabel);
  const listStatus = h('div', { class: 'list-status' });
  const header = h('div', { class: 'log-row log-head trace-head' });
  const spacer = h('div', { class: 'list-spacer' });
  const viewport = h('div', { class: 'log-list trace-list', tabindex: 0, role: 'list', 'aria-label': 'Spans' }, spacer);

  const el = h(
    'section',
    { class: 'logs-page traces-page' },
    h('div', { class: 'card search-card' }, form, searchError),
    h('div', { class: 'logs-body' }, facets.el, h('div', { class: 'logs-main card' }, h('div', { class: 'hist-wrap' }, chartTitle, chartStatus, chartBox), toolbar, listStatus, header, viewport)),
  );

  // ---- the list ----
  const rendered = new Map<number, HTMLElement>();
  const mode = () => app.state().list;
  const length = () => (mode() === 'traces' ? traces.length : spans.length);

  function openTrace(traceId: string, spanId: string | null): void {
    const s = app.state();
    app.go(encodeState({ ...defaultState(`/apm/traces/${encodeURIComponent(traceId)}`), range: s.range, live: s.live, selected: spanId }));
  }

  function sortHeader(label: string, cls: string): HTMLElement {
    const s = app.state().sort;
    const arrow = s === '-duration' ? ' ↓' : s === 'duration' ? ' ↑' : '';
    const next = s === '-duration' ? 'duration' : s === 'duration' ? '' : '-duration';
    return h('button', { class: `${cls} sort-head` + (s ? ' sorted' : ''), type: 'button', title: 'Sort by duration', 'aria-sort': s === '-duration' ? 'descending' : s === 'duration' ? 'ascending' : 'none', onclick: () => app.set({ sort: next }) }, label + arrow);
  }

  function drawHeader(): void {
    const cols =
      mode() === 'traces'
        ? [h('span', { class: 'c-time' }, 'Date'), h('span', { class: 'c-service' }, 'Root service'), h('span', { class: 'c-resource' }, 'Root resource'), sortHeader('Duration', 'c-dur'), h('span', { class: 'c-num' }, 'Spans'), h('span', { class: 'c-num' }, 'Errors')]
        : [h('span', { class: 'c-time' }, 'Date'), h('span', { class: 'c-service' }, 'Service'), h('span', { class: 'c-resource' }, 'Resource'), sortHeader('Duration', 'c-dur'), h('span', { class: 'c-status' }, 'Status')];
    header.replaceChildren(...cols);
    modeSpans.classList.toggle('active', mode() === 'spans');
    modeTraces.classList.toggle('active', mode() === 'traces');
    modeSpans.setAttribute('aria-pressed', String(mode() === 'spans'));
    modeTraces.setAttribute('aria-pressed', String(mode() === 'traces'));
    viewport.setAttribute('aria-label', mode() === 'traces' ? 'Traces' : 'Spans');
  }

  function rowEl(i: number): HTMLElement {
    const style = `transform: translateY(${i * TRACE_ROW}px)`;
    if (mode() === 'traces') {
      const t = traces[i];
      const open = () => openTrace(t.trace_id, null);
      return h(
        'div',
        { class: 'log-row trace-row', role: 'listitem', 'data-trace-id': t.trace_id, style, onclick: open, tabindex: 0, onkeydown: (e: KeyboardEvent) => e.key === 'Enter' && open() },
        h('span', { class: 'status-bar', style: `background: ${t.error_count ? STATUS_COLORS.error : STATUS_COLORS.ok}` }),
        h('span', { class: 'c-time mono' }, fmtTime(Date.parse(t.start_timestamp))),
        h('span', { class: 'c-service' }, t.root_service),
        h('span', { class: 'c-resource mono', title: t.root_resource }, t.root_resource),
        h('span', { class: 'c-dur mono' }, fmtDuration(t.duration)),
        h('span', { class: 'c-num mono' }, String(t.span_count)),
        h('span', { class: 'c-num mono' + (t.error_count ? ' has-errors' : '') }, String(t.error_count)),
      );
    }
    const e = spans[i];
    const a = e.attributes;
    const status = a.status === 'error' ? 'error' : 'ok';
    const open = () => openTrace(a.trace_id, a.span_id);
    return h(
      'div',
      { class: 'log-row trace-row', role: 'listitem', 'data-id': e.id, 'data-trace-id': a.trace_id, style, onclick: open, tabindex: 0, onkeydown: (ev: KeyboardEvent) => ev.key === 'Enter' && open() },
      h('span', { class: 'status-bar', style: `background: ${STATUS_COLORS[status]}`, title: status }),
      h('span', { class: 'c-time mono' }, fmtTime(Date.parse(a.start_timestamp))),
      h('span', { class: 'c-service' }, a.service),
      h('span', { class: 'c-resource mono', title: a.resource_name }, a.resource_name || a.operation_name || ''),
      h('span', { class: 'c-dur mono' }, fmtDuration(a.duration)),
      h('span', { class: 'c-status' }, h('span', { class: `status-pill ${status}` }, status === 'error' ? 'Error' : 'OK')),
    );
  }

  function paint(): void {
    const n = length();
    spacer.style.height = `${n * TRACE_ROW}px`;
    const top = viewport.scrollTop;
    const first = Math.max(0, Math.floor(top / TRACE_ROW) - OVERSCAN);
    const last = Math.min(n, Math.ceil((top + viewport.clientHeight) / TRACE_ROW) + OVERSCAN);
    for (const [i, r] of rendered) {
      if (i < first || i >= last) {
        r.remove();
        rendered.delete(i);
      }
    }
    for (let i = first; i < last; i++) {
      if (rendered.has(i)) continue;
      const r = rowEl(i);
      rendered.set(i, r);
      viewport.append(r);
    }
    if (mode() === 'spans' && cursor && !loadingMore && last >= n - 2 * OVERSCAN) void loadMore();
  }
  function repaintAll(): void {
    for (const r of rendered.values()) r.remove();
    rendered.clear();
    paint();
  }
  let frame = 0;
  viewport.addEventListener('scroll', () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      paint();
    });
  });
  const ro = new ResizeObserver(() => paint());
  ro.observe(viewport);

  function updateCount(): void {
    const n = length();
    countLabel.textContent =
      mode() === 'traces'
        ? `${n.toLocaleString()} trace${n === 1 ? '' : 's'}${n >= TRACE_LIMIT ? ` (the ${TRACE_LIMIT} most recent)` : ''}`
        : `${n.toLocaleString()} span${n === 1 ? '' : 's'} loaded${cursor ? ' (scroll for more)' : ''}`;
    countLabel.dataset.loaded = String(n);
  }

  function spanBody(s: ViewState, c?: string) {
    const r = resolveRange(s.range, Date.now());
    return {
      data: {
        type: 'search_request',
        attributes: { filter: { query: s.query || '*', from: String(r.from), to: String(r.to) }, page: { limit: PAGE_SIZE, ...(c ? { cursor: c } : {}) }, sort: spanSort(s.sort) },
      },
    };
  }

  function showSyntaxError(s: ViewState, e: unknown): boolean {
    if (e instanceof ApiError && e.status === 400) {
      const { position, message } = errorPosition(e.message);
      searchError.replaceChildren(inlineError(s.query, position, message));
      listStatus.replaceChildren();
      return true;
    }
    return false;
  }

  async function loadList(s: ViewState): Promise<void> {
    abort?.abort();
    const ac = new AbortController();
    abort = ac;
    drawHeader();
    listStatus.replaceChildren(h('div', { class: 'hint' }, 'Loading…'));
    searchError.replaceChildren();
    try {
      if (s.list === 'traces') {
        const r = resolveRange(s.range, Date.now());
        const res = await api<{ data: TraceSummary[] }>(`/api/v1/traces?query=${encodeURIComponent(s.query || '*')}&from=${r.from}&to=${r.to}&limit=${TRACE_LIMIT}`, { signal: ac.signal });
        if (ac.signal.aborted) return;
        traces = sortTraces(res.data, s.sort);
        cursor = undefined;
      } else {
        const res = await api<SpanSearch>('/api/v2/spans/events/search', { body: spanBody(s), signal: ac.signal });
        if (ac.signal.aborted) return;
        spans = res.data;
        cursor = res.meta?.page?.after || undefined;
      }
      viewport.scrollTop = 0;
      listStatus.replaceChildren(length() ? '' : h('div', { class: 'empty' }, `No ${s.list} match this search in the time range.`));
      updateCount();
      repaintAll();
    } catch (e) {
      if (isAbort(e)) return;
      spans = [];
      traces = [];
      cursor = undefined;
      updateCount();
      repaintAll();
      if (!showSyntaxError(s, e)) listStatus.replaceChildren(errorBox((e as Error).message, () => void loadList(app.state())));
    }
  }

  async function loadMore(): Promise<void> {
    if (!cursor || loadingMore) return;
    loadingMore = true;
    const ac = abort;
    try {
      const res = await api<SpanSearch>('/api/v2/spans/events/search', { body: spanBody(app.state(), cursor), signal: ac?.signal });
      if (ac !== abort) return;
      spans = spans.concat(res.data);
      cursor = res.meta?.page?.after || undefined;
      updateCount();
      paint();
    } catch (e) {
      if (!isAbort(e)) listStatus.replaceChildren(errorBox((e as Error).message, () => void loadMore()));
    } finally {
      loadingMore = false;
    }
  }

  // ---- hits by status ----
  async function loadChart(s: ViewState): Promise<void> {
    const r = resolveRange(s.range, Date.now());
    const interval = Math.max(1000, Math.ceil((r.to - r.from) / 60 / 1000) * 1000);
    try {
      const res = await api<{ data: { buckets: { by: Record<string, unknown>; computes: Record<string, { time: string | number; value: number }[]> }[] } }>('/api/v2/spans/analytics/aggregate', {
        body: {
          data: {
            attributes: {
              compute: [{ aggregation: 'count', type: 'timeseries', interval: `${interval / 1000}s` }],
              filter: { query: s.query || '*', from: String(r.from), to: String(r.to) },
              group_by: [{ facet: 'status', limit: 10 }],
            },
          },
        },
      });
      chart?.destroy();
      chart = null;
      chartBox.replaceChildren();
      chartStatus.replaceChildren();
      const start = Math.floor(r.from / interval) * interval;
      const times: number[] = [];
      for (let t = start; t <= r.to; t += interval) times.push(t);
      let hits = 0;
      let errors = 0;
      const series = res.data.buckets.map((b) => {
        const values = new Array(times.length).fill(0);
        const label = String(b.by.status || 'ok');
        for (const p of b.computes.c0 ?? []) {
          const t = typeof p.time === 'number' ? p.time : Date.parse(p.time);
          const i = Math.floor((t - start) / interval);
          if (i >= 0 && i < values.length) values[i] += p.value;
          hits += p.value;
          if (label === 'error') errors += p.value;
        }
        return { label, values };
      });
      // Errors at the bottom of each bar, where they catch the eye.
      series.sort((a, b) => Number(b.label === 'error') - Number(a.label === 'error'));
      chartTitle.replaceChildren('Hits by status', h('span', { class: 'chart-sub' }, ` ${hits.toLocaleString()} hits · ${errors.toLocaleString()} errors`));
      if (!series.length) return;
      chart = stackedBars(chartBox, times.map((t) => t / 1000), series, 120);
    } catch (e) {
      chart?.destroy();
      chart = null;
      chartBox.replaceChildren();
      chartTitle.replaceChildren('Hits by status');
      if (e instanceof ApiError && e.status === 400) return; // the search bar shows it
      chartStatus.replaceChildren(errorBox((e as Error).message, () => void loadChart(app.state())));
    }
  }

  function schedule(s: ViewState): void {
    window.clearInterval(timer);
    if (!s.live || s.range.kind !== 'relative') return;
    // Live: the chart and counts follow the time; the list only while at its top.
    timer = window.setInterval(() => {
      const cur = app.state();
      void loadChart(cur);
      void facets.load(cur);
      if (viewport.scrollTop < TRACE_ROW && !searchError.childElementCount) void loadList(cur);
    }, 30000);
  }
  const onTheme = () => void loadChart(app.state());
  window.addEventListener('heeler-theme', onTheme);

  return {
    el,
    update(s, prev) {
      if (document.activeElement !== search || search.value.trim() !== s.query) search.value = s.query;
      const key = JSON.stringify([s.query, s.range]);
      if (key !== ran) {
        ran = key;
        void loadList(s);
        void loadChart(s);
        void facets.load(s);
      } else if (s.list !== prev.list || s.sort !== prev.sort) {
        if (s.list === 'traces' && prev.list === 'traces' && traces.length) {
          // Traces are all here: sorting them needs no request.
          traces = sortTraces(traces, s.sort);
          drawHeader();
          repaintAll();
        } else void loadList(s);
      }
      schedule(s);
    },
    destroy() {
      abort?.abort();
      window.clearInterval(timer);
      window.removeEventListener('heeler-theme', onTheme);
      ro.disconnect();
      chart?.destroy();
    },
  };
}
