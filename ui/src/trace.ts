// A trace: every span of GET /api/v1/traces/{id} as a waterfall, children under
// their parents, bars placed on the trace's own time axis.
import { api } from './api';
import { PALETTE } from './chart';
import { errorBox, h } from './dom';
import type { App, Page } from './main';

interface Span {
  service: string;
  resource_name: string;
  operation_name?: string;
  span_id: string;
  parent_id: string;
  start_timestamp: string;
  duration: number; // ns
  status: string;
}

function fmtDuration(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(2)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns} ns`;
}

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

export function mountTrace(app: App, traceId: string): Page {
  const body = h('div', { class: 'card waterfall' });
  const el = h('section', { class: 'trace-page' }, h('div', { class: 'trace-id mono' }, `Trace ${traceId}`), body);
  void app;

  async function load(): Promise<void> {
    body.replaceChildren(h('div', { class: 'hint' }, 'Loading…'));
    try {
      const res = await api<{ data: { spans: Span[] } }>(`/api/v1/traces/${encodeURIComponent(traceId)}`);
      const base = Math.min(...res.data.spans.map((s) => Date.parse(s.start_timestamp.replace(/\.\d+/, ''))));
      const spans = res.data.spans.map((s) => ({ ...s, start: startNs(s.start_timestamp, base) }));
      if (!spans.length) {
        body.replaceChildren(h('div', { class: 'empty' }, 'This trace has no spans.'));
        return;
      }
      const t0 = Math.min(...spans.map((s) => s.start));
      const t1 = Math.max(...spans.map((s) => s.start + s.duration));
      const total = Math.max(1, t1 - t0);
      const services = [...new Set(spans.map((s) => s.service))];
      const rows = waterfallOrder(spans).map(({ span: s, depth }) => {
        const left = ((s.start - t0) / total) * 100;
        const width = Math.max(0.3, (s.duration / total) * 100);
        const color = PALETTE[services.indexOf(s.service) % PALETTE.length];
        return h(
          'div',
          { class: 'span-row' + (s.status === 'error' ? ' span-error' : '') },
          h('div', { class: 'span-name', style: `padding-left: ${depth * 14 + 6}px`, title: s.resource_name }, h('span', { class: 'span-service', style: `color: ${color}` }, s.service), ' ', s.resource_name || s.operation_name || ''),
          h('div', { class: 'span-track' }, h('div', { class: 'span-bar', style: `left: ${left}%; width: ${width}%; background: ${color}` }), h('span', { class: 'span-dur' + (width > 20 ? ' inside' : ''), style: `left: calc(${width > 20 ? left : left + width}% + 4px)` }, fmtDuration(s.duration))),
        );
      });
      body.replaceChildren(h('div', { class: 'hint' }, `${spans.length} spans · ${fmtDuration(total)}`), ...rows);
    } catch (e) {
      body.replaceChildren(errorBox((e as Error).message, () => void load()));
    }
  }
  void load();
  return { el, update() {}, destroy() {} };
}
