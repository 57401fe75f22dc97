// A trace: every span of GET /api/v1/traces/{id} as a waterfall (children under their
// parents) or a flame graph, both on the trace's own time axis; a legend with each
// service's share of the time; the selected span's detail beside them.
import { api, ApiError } from './api';
import { PALETTE } from './chart';
import { append, errorBox, fmtTime, h } from './dom';
import { FlameGraph, flameGraph, flameLayout, serviceShares } from './flamegraph';
import type { App, Page } from './main';
import { SpanDetail, spanDetail } from './spandetail';
import { ApiSpan, fmtDuration } from './spanfmt';
import { defaultState, encodeState, ViewState } from './state';

type Span = ApiSpan & { start: number };

// Nanoseconds after `baseMs` (a whole second in epoch milliseconds): RFC 3339 times
// carry nanoseconds that a Date (and a double of epoch nanoseconds) would lose.
export function startNs(timestamp: string, baseMs: number): number {
  const whole = Date.parse(timestamp.replace(/\.\d+/, ''));
  const frac = /\.(\d+)/.exec(timestamp)?.[1] ?? '';
  return (whole - baseMs) * 1e6 + Number(frac.padEnd(9, '0').slice(0, 9));
}

// Depth-first order: each span followed by its children, by start time.
export function waterfallOrder<T extends { span_id: string; parent_id: string; start: number }>(spans: T[]): { span: T; depth: number }[] {
  const ids = new Set(spans.map((s) => s.span_id));
  const children = new Map<string, T[]>();
  const roots: T[] = [];
  for (const s of spans) {
    if (s.parent_id && s.parent_id !== '0' && ids.has(s.parent_id) && s.parent_id !== s.span_id) {
      const list = children.get(s.parent_id) ?? [];
      list.push(s);
      children.set(s.parent_id, list);
    } else roots.push(s);
  }
  const out: { span: T; depth: number }[] = [];
  const walk = (list: T[], depth: number) => {
    for (const s of list.sort((a, b) => a.start - b.start)) {
      out.push({ span: s, depth });
      walk(children.get(s.span_id) ?? [], depth + 1);
    }
  };
  walk(roots, 0);
  return out;
}

// Where a bar's duration goes: inside a wide bar, after a narrow one, or before a
// narrow one near the right edge, so it is never cut off.
function durStyle(left: number, width: number): string {
  if (width > 20) return `left: calc(${left}% + 4px)`;
  if (left + width > 80) return `right: calc(${100 - left}% + 4px)`;
  return `left: calc(${left + width}% + 4px)`;
}

export function mountTrace(app: App, traceId: string): Page {
  const summary = h('div', { class: 'trace-summary' });
  const legend = h('div', { class: 'trace-legend', 'aria-label': 'Services' });
  const viewTabs = h('div', { class: 'tabs trace-tabs', role: 'tablist' });
  const main = h('div', { class: 'card trace-main' });
  const body = h('div', { class: 'trace-body' }, main);
  // Tabs and legend once there is a trace to show.
  const bar = h('div', { class: 'trace-bar', hidden: true }, viewTabs, legend);
  const backHref = () => encodeState({ ...defaultState('/apm/traces'), range: app.state().range, live: app.state().live });
  const back = h('a', { class: 'btn trace-back', href: backHref() }, '← Span search');
  const el = h(
    'section',
    { class: 'trace-page' },
    h('div', { class: 'trace-top' }, back, h('div', { class: 'trace-id mono' }, `Trace ${traceId}`), summary),
    bar,
    body,
  );
  let spans: Span[] = [];
  let colorOf: (service: string) => string = () => PALETTE[0];
  let flame: FlameGraph | null = null;
  let detail: SpanDetail | null = null;
  let drawnView = '';
  let waterfallRows: HTMLElement[] = [];

  function select(id: string | null): void {
    app.set({ selected: id }, { replace: true });
  }

  function waterfall(): HTMLElement {
    const t0 = Math.min(...spans.map((s) => s.start));
    const t1 = Math.max(...spans.map((s) => s.start + s.duration));
    const total = Math.max(1, t1 - t0);
    waterfallRows = waterfallOrder(spans).map(({ span: s, depth }) => {
      const left = ((s.start - t0) / total) * 100;
      const width = Math.max(0.3, (s.duration / total) * 100);
      const color = colorOf(s.service);
      return h(
        'div',
        { class: 'span-row' + (s.status === 'error' ? ' span-error' : ''), 'data-span-id': s.span_id, role: 'button', tabindex: 0, onclick: () => select(s.span_id), onkeydown: (e: KeyboardEvent) => e.key === 'Enter' && select(s.span_id) },
        h('div', { class: 'span-name', style: `padding-left: ${depth * 14 + 6}px`, title: s.resource_name }, h('span', { class: 'span-service', style: `color: ${color}` }, s.service), ' ', s.resource_name || s.operation_name || ''),
        h('div', { class: 'span-track' }, h('div', { class: 'span-bar', style: `left: ${left}%; width: ${width}%; background: ${color}` }), h('span', { class: 'span-dur' + (width > 20 ? ' inside' : ''), style: durStyle(left, width) }, fmtDuration(s.duration))),
      );
    });
    return h('div', { class: 'waterfall' }, ...waterfallRows);
  }

  function drawView(s: ViewState): void {
    if (drawnView === s.view) return;
    drawnView = s.view;
    flame?.destroy();
    flame = null;
    waterfallRows = [];
    for (const b of viewTabs.querySelectorAll<HTMLElement>('.tab')) {
      b.classList.toggle('active', b.dataset.view === s.view);
      b.setAttribute('aria-selected', String(b.dataset.view === s.view));
    }
    if (s.view === 'flame') {
      flame = flameGraph(flameLayout(spans), colorOf, (span) => select(span.span_id));
      main.replaceChildren(flame.el);
    } else main.replaceChildren(waterfall());
  }

  function showSelection(s: ViewState): void {
    const span = s.selected ? spans.find((x) => x.span_id === s.selected) ?? null : null;
    flame?.select(span?.span_id ?? null);
    for (const r of waterfallRows) r.classList.toggle('selected', r.dataset.spanId === span?.span_id);
    detail?.show(span, s);
  }

  async function load(): Promise<void> {
    main.replaceChildren(h('div', { class: 'hint' }, 'Loading…'));
    try {
      const res = await api<{ data: { spans: ApiSpan[] } }>(`/api/v1/traces/${encodeURIComponent(traceId)}`);
      if (!res.data.spans.length) {
        main.replaceChildren(h('div', { class: 'empty' }, 'This trace has no spans.'));
        return;
      }
      const base = Math.min(...res.data.spans.map((s) => Date.parse(s.start_timestamp.replace(/\.\d+/, ''))));
      spans = res.data.spans.map((s) => ({ ...s, start: startNs(s.start_timestamp, base) }));
      const shares = serviceShares(spans);
      // Colours by the services' order of time, so a trace always looks the same.
      const services = shares.map((x) => x.service);
      colorOf = (service) => PALETTE[Math.max(0, services.indexOf(service)) % PALETTE.length];
      const t0 = Math.min(...spans.map((s) => s.start));
      const total = Math.max(1, Math.max(...spans.map((s) => s.start + s.duration)) - t0);
      const root = waterfallOrder(spans)[0].span;
      const errors = spans.filter((s) => s.status === 'error').length;
      summary.replaceChildren();
      append(summary, [
        h('span', { class: 'trace-root' }, h('strong', null, root.service), ' ', h('span', { class: 'mono' }, root.resource_name || root.operation_name || '')),
        h('span', { class: 'trace-stat' }, fmtTime(Date.parse(root.start_timestamp))),
        h('span', { class: 'trace-stat' }, fmtDuration(total)),
        h('span', { class: 'trace-stat' }, `${spans.length} spans`),
        errors ? h('span', { class: 'trace-stat badge-error' }, `${errors} error${errors > 1 ? 's' : ''}`) : null,
      ]);
      legend.replaceChildren(
        ...shares.map((x) =>
          h('span', { class: 'legend-item', 'data-service': x.service, title: `${x.service}: ${fmtDuration(x.ns)} of its own time` }, h('span', { class: 'legend-dot', style: `background: ${colorOf(x.service)}` }), x.service, h('span', { class: 'legend-share' }, `${(x.share * 100).toFixed(1)}%`)),
        ),
      );
      viewTabs.replaceChildren(
        ...(
          [
            ['flame', 'Flame graph'],
            ['waterfall', 'Waterfall'],
          ] as const
        ).map(([v, label]) => h('button', { class: 'tab', role: 'tab', 'data-view': v, onclick: () => app.set({ view: v }, { replace: true }) }, label)),
      );
      bar.hidden = false;
      detail?.destroy();
      detail = spanDetail(app, traceId, spans, colorOf);
      body.append(detail.el);
      drawnView = '';
      drawView(app.state());
      showSelection(app.state());
    } catch (e) {
      if (e instanceof ApiError && (e.status === 404 || e.status === 400)) {
        main.replaceChildren(
          h('div', { class: 'not-found', role: 'alert' }, h('div', { class: 'not-found-title' }, 'Trace not found'), h('div', { class: 'hint' }, e.status === 400 ? `${e.message}.` : `No spans of trace ${traceId} are stored: it may be older than the retention, or not sent yet.`), h('a', { class: 'btn', href: backHref() }, 'Search spans')),
        );
        return;
      }
      main.replaceChildren(errorBox((e as Error).message, () => void load()));
    }
  }
  void load();
  return {
    el,
    update(s) {
      back.setAttribute('href', backHref());
      if (!spans.length) return;
      drawView(s);
      showSelection(s);
    },
    destroy() {
      flame?.destroy();
      detail?.destroy();
    },
  };
}
