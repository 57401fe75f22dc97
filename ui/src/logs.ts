// Log explorer: search, facets with counts, volume by status, a virtualised list
// fed page by page through the search cursor, a detail panel and live tail.
import { api, ApiError, isAbort } from './api';
import { Chart, stackedBars, STATUS_COLORS } from './chart';
import { append, errorBox, fmtTime, h, inlineError } from './dom';
import { facetSidebar } from './facets';
import type { App, Page } from './main';
import { addTerm, errorPosition, facetTerm } from './query';
import { mountAnalytics, vizSwitch } from './loganalytics';
import { resolveRange, TimeRange, ViewState } from './state';

interface LogEvent {
  id: string;
  attributes: {
    timestamp: string;
    service?: string;
    host?: string;
    status?: string;
    message?: string;
    tags?: string[];
    attributes?: Record<string, unknown>;
  };
}
interface SearchResponse {
  data: LogEvent[];
  meta?: { page?: { after?: string } };
}

export const ROW_HEIGHT = 26;
const PAGE_SIZE = 500;
const OVERSCAN = 10;
// Facets open by default: the ones people filter by first.
const OPEN_FACETS = ['status', 'service', 'host'];
// Attributes the search knows as reserved fields (no '@').
const RESERVED_ATTRS = new Set(['trace_id', 'span_id']);

// Flattens nested attributes to "http.status_code" → 503.
export function flatten(obj: Record<string, unknown>, prefix = '', out: [string, unknown][] = []): [string, unknown][] {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out);
    else out.push([key, v]);
  }
  return out;
}

// What the list keeps of a log: the columns it shows, parsed once, and the rest
// only by reference for the detail panel.
interface Row {
  id: string;
  t: number;
  host: string;
  service: string;
  status: string;
  message: string;
  tags?: string[];
  attrs?: Record<string, unknown>;
}
function toRow(e: LogEvent): Row {
  const a = e.attributes;
  return { id: e.id, t: timeMs(a.timestamp), host: a.host ?? '', service: a.service ?? '', status: (a.status ?? 'info').toLowerCase(), message: a.message ?? '', tags: a.tags?.length ? a.tags : undefined, attrs: a.attributes };
}

function timeMs(ts: string): number {
  const n = Date.parse(ts);
  return Number.isFinite(n) ? n : Number(ts);
}

export function mountLogs(app: App): Page {
  let rows: Row[] = [];
  let cursor: string | undefined;
  let loadingMore = false;
  let searchAbort: AbortController | null = null;
  let histChart: Chart | null = null;
  let liveTimer: number | undefined;
  let ran = '';
  let facetsFor = '';
  let pagesFetched = 0;

  // Search bar.
  const search = h('input', {
    class: 'input mono search-input',
    placeholder: 'Search logs: service:web status:error "timed out" @http.status_code:>=500',
    'aria-label': 'Search',
    spellcheck: false,
    autocomplete: 'off',
  });
  const searchError = h('div', { class: 'search-error' });
  const liveTail = h('button', { class: 'btn live-tail', type: 'button', title: 'Poll for newer logs every 2 seconds' });
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
    liveTail,
  );
  liveTail.addEventListener('click', () => app.set({ live: !app.state().live }));

  // Facets.
  const facets = facetSidebar(app, 'logs', { open: OPEN_FACETS, skip: ['message', 'timestamp'] });
  const facetsBox = facets.el;

  // Histogram.
  const histBox = h('div', { class: 'histogram' });
  const histStatus = h('div', { class: 'hist-status' });

  // Virtualised list.
  const countLabel = h('div', { class: 'list-count' });
  const spacer = h('div', { class: 'list-spacer' });
  const viewport = h('div', { class: 'log-list', tabindex: 0, role: 'list', 'aria-label': 'Logs' }, spacer);
  const listStatus = h('div', { class: 'list-status' });
  const header = h('div', { class: 'log-row log-head' }, h('span', { class: 'c-time' }, 'Date'), h('span', { class: 'c-host' }, 'Host'), h('span', { class: 'c-service' }, 'Service'), h('span', { class: 'c-msg' }, 'Content'));

  // Detail panel.
  const detail = h('aside', { class: 'detail', hidden: true, 'aria-label': 'Log detail' });

  // Analytic views and the switch between them and the list.
  const viz = vizSwitch(app);
  const analytics = mountAnalytics(app);
  const histWrap = h('div', { class: 'hist-wrap' }, histStatus, histBox);
  const zoomBack = h('button', { class: 'btn zoom-reset', type: 'button', hidden: true, title: 'Back to the time range before the zoom' }, '⟲ Reset zoom');
  let beforeZoom: { range: TimeRange; live: boolean } | null = null;
  zoomBack.addEventListener('click', () => {
    if (beforeZoom) app.set({ range: beforeZoom.range, live: beforeZoom.live, selected: null });
    beforeZoom = null;
  });
  histWrap.append(zoomBack);
  const listParts = [histWrap, countLabel, listStatus, header, viewport];

  const el = h(
    'section',
    { class: 'logs-page' },
    h('div', { class: 'card search-card' }, form, viz.el, searchError),
    h(
      'div',
      { class: 'logs-body' },
      facetsBox,
      h('div', { class: 'logs-main card' }, ...listParts, analytics.el),
      detail,
    ),
  );

  // ---- the list ----
  // Row elements are recycled: scrolling rewrites the text of the rows that left the
  // view instead of creating new ones, and only the visible rows (plus a margin) exist.
  interface Slot {
    el: HTMLElement;
    bar: HTMLElement;
    time: HTMLElement;
    host: HTMLElement;
    service: HTMLElement;
    msg: HTMLElement;
    index: number;
  }
  const rendered = new Map<number, Slot>();
  const free: Slot[] = [];
  function newSlot(): Slot {
    const bar = h('span', { class: 'status-bar' });
    const time = h('span', { class: 'c-time mono' });
    const host = h('span', { class: 'c-host' });
    const service = h('span', { class: 'c-service' });
    const msg = h('span', { class: 'c-msg mono' });
    const el = h('div', { class: 'log-row', role: 'listitem' }, bar, time, host, service, msg);
    return { el, bar, time, host, service, msg, index: -1 };
  }
  function fill(slot: Slot, i: number): void {
    const r = rows[i];
    slot.index = i;
    slot.el.dataset.id = r.id;
    slot.el.dataset.index = String(i);
    slot.el.style.transform = `translateY(${i * ROW_HEIGHT}px)`;
    slot.el.classList.toggle('selected', app.state().selected === r.id);
    slot.bar.style.background = STATUS_COLORS[r.status] ?? '#8a93a6';
    slot.bar.title = r.status;
    slot.time.textContent = fmtTime(r.t);
    slot.host.textContent = r.host;
    slot.service.textContent = r.service;
    slot.msg.textContent = r.message;
    slot.el.hidden = false;
  }
  viewport.addEventListener('click', (e) => {
    const row = (e.target as Element).closest?.('.log-row') as HTMLElement | null;
    const r = row ? rows[Number(row.dataset.index)] : undefined;
    if (r) app.set({ selected: r.id });
  });
  function paint(): void {
    spacer.style.height = `${rows.length * ROW_HEIGHT}px`;
    const top = viewport.scrollTop;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(rows.length, Math.ceil((top + viewport.clientHeight) / ROW_HEIGHT) + OVERSCAN);
    for (const [i, slot] of rendered) {
      if (i < first || i >= last) {
        rendered.delete(i);
        free.push(slot);
      }
    }
    // The DOM keeps the rows in their visual order (for assistive technology and for
    // selection): rows above those that stay go before them, the others after.
    let anchor: HTMLElement | null = null;
    let lowest = Infinity;
    for (const [i, slot] of rendered) {
      if (i < lowest) {
        lowest = i;
        anchor = slot.el;
      }
    }
    for (let i = first; i < last; i++) {
      if (rendered.has(i)) continue;
      const slot = free.pop() ?? newSlot();
      fill(slot, i);
      if (anchor && i < lowest) viewport.insertBefore(slot.el, anchor);
      else viewport.append(slot.el);
      rendered.set(i, slot);
    }
    for (const slot of free) {
      if (!slot.el.hidden) {
        slot.el.hidden = true;
        delete slot.el.dataset.id;
      }
    }
    // Near the end: the next page.
    if (cursor && !loadingMore && last >= rows.length - 2 * OVERSCAN) void loadMore();
  }
  function repaintAll(): void {
    for (const slot of rendered.values()) free.push(slot);
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
    countLabel.textContent = `${rows.length.toLocaleString()} logs loaded${cursor ? ' (scroll for more)' : ''}`;
    countLabel.dataset.loaded = String(rows.length);
    countLabel.dataset.pages = String(pagesFetched);
  }

  function searchBody(s: ViewState, extra: { cursor?: string; from?: number }) {
    const r = resolveRange(s.range, Date.now());
    return {
      filter: { query: s.query || '*', from: String(extra.from ?? r.from), to: String(r.to) },
      page: { limit: PAGE_SIZE, ...(extra.cursor ? { cursor: extra.cursor } : {}) },
      sort: '-timestamp',
    };
  }

  async function loadFirst(s: ViewState): Promise<void> {
    searchAbort?.abort();
    const ac = new AbortController();
    searchAbort = ac;
    listStatus.replaceChildren(h('div', { class: 'hint' }, 'Loading…'));
    searchError.replaceChildren();
    try {
      const res = await api<SearchResponse>('/api/v2/logs/events/search', { body: searchBody(s, {}), signal: ac.signal });
      if (ac.signal.aborted) return;
      rows = res.data.map(toRow);
      cursor = res.meta?.page?.after || undefined;
      pagesFetched = 1;
      viewport.scrollTop = 0;
      listStatus.replaceChildren(rows.length ? '' : h('div', { class: 'empty' }, 'No logs match this search in the time range.'));
      updateCount();
      repaintAll();
      showDetail(app.state());
    } catch (e) {
      if (isAbort(e)) return;
      rows = [];
      cursor = undefined;
      updateCount();
      repaintAll();
      if (e instanceof ApiError && e.status === 400) {
        const { position, message } = errorPosition(e.message);
        searchError.replaceChildren(inlineError(s.query, position, message));
        listStatus.replaceChildren();
      } else listStatus.replaceChildren(errorBox((e as Error).message, () => void loadFirst(app.state())));
    }
  }

  async function loadMore(): Promise<void> {
    if (!cursor || loadingMore) return;
    loadingMore = true;
    const ac = searchAbort;
    try {
      const res = await api<SearchResponse>('/api/v2/logs/events/search', { body: searchBody(app.state(), { cursor }), signal: ac?.signal });
      if (ac !== searchAbort) return;
      for (const e of res.data) rows.push(toRow(e));
      cursor = res.meta?.page?.after || undefined;
      pagesFetched++;
      updateCount();
      paint();
    } catch (e) {
      if (!isAbort(e)) listStatus.replaceChildren(errorBox((e as Error).message, () => void loadMore()));
    } finally {
      loadingMore = false;
    }
  }

  // Live tail: newer logs go on top; the rows in view stay where they are.
  async function pollNewer(): Promise<void> {
    const s = app.state();
    if (!s.live || rows.length === 0 || searchError.childElementCount) return;
    const newest = rows[0].t;
    try {
      const res = await api<SearchResponse>('/api/v2/logs/events/search', { body: searchBody(s, { from: newest + 1 }) });
      const seen = new Set(rows.slice(0, 200).map((r) => r.id));
      const fresh = res.data.filter((r) => !seen.has(r.id));
      if (!fresh.length) return;
      const atTop = viewport.scrollTop < ROW_HEIGHT;
      rows = fresh.map(toRow).concat(rows);
      if (!atTop) viewport.scrollTop += fresh.length * ROW_HEIGHT;
      updateCount();
      repaintAll();
    } catch {
      /* the next poll tries again */
    }
  }

  // ---- histogram ----
  async function loadHistogram(s: ViewState): Promise<void> {
    const r = resolveRange(s.range, Date.now());
    const interval = Math.max(1000, Math.ceil((r.to - r.from) / 60 / 1000) * 1000);
    try {
      const res = await api<{ data: { buckets: { by: Record<string, unknown>; computes: Record<string, { time: string | number; value: number }[]> }[] } }>(
        '/api/v2/logs/analytics/aggregate',
        {
          body: {
            compute: [{ aggregation: 'count', type: 'timeseries', interval: `${interval / 1000}s` }],
            filter: { query: s.query || '*', from: String(r.from), to: String(r.to) },
            group_by: [{ facet: 'status', limit: 10 }],
          },
        },
      );
      histChart?.destroy();
      histChart = null;
      histBox.replaceChildren();
      histStatus.replaceChildren();
      // Every bucket of the range, empty ones included, so bars sit where they belong.
      const start = Math.floor(r.from / interval) * interval;
      const times: number[] = [];
      for (let t = start; t <= r.to; t += interval) times.push(t);
      const series = res.data.buckets.map((b) => {
        const values = new Array(times.length).fill(0);
        for (const p of b.computes.c0 ?? []) {
          const t = typeof p.time === 'number' ? p.time : Date.parse(p.time);
          const i = Math.floor((t - start) / interval);
          if (i >= 0 && i < values.length) values[i] += p.value;
        }
        return { label: String(b.by.status ?? 'info'), values };
      });
      const rank = ['error', 'warn', 'warning', 'info', 'debug'];
      series.sort((a, b) => (rank.indexOf(a.label) + 10) % 15 - (rank.indexOf(b.label) + 10) % 15);
      if (!series.length) return;
      // A drag across the bars zooms to that range, paused like any custom range.
      histChart = stackedBars(histBox, times.map((t) => t / 1000), series, 130, (from, to) => {
        const cur = app.state();
        if (!beforeZoom) beforeZoom = { range: cur.range, live: cur.live };
        app.set({ range: { kind: 'absolute', from: Math.floor(from * 1000), to: Math.ceil(to * 1000) }, live: false, selected: null });
      });
    } catch (e) {
      if (e instanceof ApiError && e.status === 400) {
        histChart?.destroy();
        histChart = null;
        histBox.replaceChildren();
        return; // the search bar shows the error
      }
      histStatus.replaceChildren(errorBox((e as Error).message, () => void loadHistogram(app.state())));
    }
  }

  // ---- facets ----
  function loadFacets(s: ViewState): Promise<void> {
    return facets.load(s);
  }

  // ---- detail ----
  function showDetail(s: ViewState): void {
    for (const r of rendered.values()) r.el.classList.toggle('selected', r.el.dataset.id === s.selected);
    const e = s.selected && s.logView.viz === 'list' ? rows.find((r) => r.id === s.selected) : undefined;
    if (!e) {
      detail.hidden = true;
      return;
    }
    const a = { timestamp: e.t, status: e.status, service: e.service || undefined, host: e.host || undefined, message: e.message, tags: e.tags, attributes: e.attrs };
    const addFilter = (term: string) => app.set({ query: addTerm(app.state().query, term), selected: null });
    const attrRow = (key: string, value: unknown, term: string) =>
      h(
        'li',
        null,
        h('button', { class: 'attr', 'data-key': key, title: `Filter on ${term}`, onclick: () => addFilter(term) }, h('span', { class: 'attr-key' }, key), h('span', { class: 'attr-value mono' }, typeof value === 'string' ? value : JSON.stringify(value))),
      );
    const reserved: [string, string | undefined][] = [
      ['status', a.status],
      ['service', a.service],
      ['host', a.host],
    ];
    const flat = flatten(a.attributes ?? {});
    const traceId = flat.find(([k]) => k === 'trace_id' || k === 'dd.trace_id')?.[1];
    detail.replaceChildren();
    append(detail, [
      h('div', { class: 'detail-head' }, h('div', { class: 'detail-time mono' }, fmtTime(a.timestamp)), h('button', { class: 'btn', 'aria-label': 'Close', onclick: () => app.set({ selected: null }) }, '✕')),
      h('pre', { class: 'detail-message mono' }, a.message ?? ''),
      traceId ? h('a', { class: 'btn trace-link', href: `/apm/traces/${encodeURIComponent(String(traceId))}` }, 'View trace →') : null,
      h('div', { class: 'detail-section' }, 'Fields'),
      h('ul', { class: 'attrs' }, ...reserved.filter(([, v]) => v).map(([k, v]) => attrRow(k, v, facetTerm(k, String(v))))),
      h('div', { class: 'detail-section' }, 'Attributes'),
      h('ul', { class: 'attrs' }, ...flat.map(([k, v]) => attrRow(k, v, facetTerm(RESERVED_ATTRS.has(k) ? k : `@${k}`, typeof v === 'string' ? v : JSON.stringify(v))))),
      a.tags?.length ? h('div', { class: 'detail-section' }, 'Tags') : null,
      a.tags?.length ? h('ul', { class: 'attrs' }, ...a.tags.map((t) => attrRow(t, '', t.includes(':') ? facetTerm(t.slice(0, t.indexOf(':')), t.slice(t.indexOf(':') + 1)) : t))) : null,
    ]);
    detail.hidden = false;
  }

  function schedule(s: ViewState): void {
    window.clearInterval(liveTimer);
    liveTail.textContent = s.live ? '● Live tail' : '▶ Live tail';
    liveTail.classList.toggle('is-live', s.live);
    liveTail.setAttribute('aria-pressed', String(s.live));
    if (s.live && s.range.kind === 'relative' && s.logView.viz === 'list') liveTimer = window.setInterval(() => void pollNewer(), 2000);
  }
  const onTheme = () => void loadHistogram(app.state());
  window.addEventListener('heeler-theme', onTheme);

  return {
    el,
    update(s) {
      if (document.activeElement !== search || search.value.trim() !== s.query) search.value = s.query;
      viz.update(s);
      const list = s.logView.viz === 'list';
      for (const p of listParts) p.hidden = !list;
      analytics.el.hidden = list;
      zoomBack.hidden = !beforeZoom || s.range.kind !== 'absolute';
      const facetKey = JSON.stringify([s.query, s.range]);
      if (facetKey !== facetsFor) {
        facetsFor = facetKey;
        void loadFacets(s);
      }
      if (!list) {
        analytics.update(s);
        showDetail(s);
        schedule(s);
        return;
      }
      const key = JSON.stringify([s.query, s.range]);
      if (key !== ran) {
        ran = key;
        void loadFirst(s);
        void loadHistogram(s);
      } else showDetail(s);
      schedule(s);
    },
    destroy() {
      searchAbort?.abort();
      window.clearInterval(liveTimer);
      window.removeEventListener('heeler-theme', onTheme);
      ro.disconnect();
      histChart?.destroy();
      analytics.destroy();
    },
  };
}
