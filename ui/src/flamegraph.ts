// The flame graph of a trace: each span a bar on the trace's time axis, stacked under
// its parent by depth, coloured by service. Drawn on a canvas so a trace of thousands
// of spans stays fast; hit testing looks only at the row under the pointer.
import { h } from './dom';
import { fmtDuration } from './spanfmt';

export interface LayoutSpan {
  span_id: string;
  parent_id: string;
  start: number; // ns after any fixed base
  duration: number; // ns
}

export interface FlameBar<T> {
  span: T;
  depth: number;
  x: number; // 0…1 of the trace's duration
  w: number; // 0…1
  orphan: boolean; // its parent is not in the trace
}

export interface FlameLayout<T> {
  bars: FlameBar<T>[];
  depth: number; // rows used
  t0: number;
  total: number; // ns, at least 1
}

function isRootId(id: string): boolean {
  return !id || /^0+$/.test(id);
}

// Depth of every span: at least one row below its parent, on the first row from there
// where it overlaps no bar already placed, so no bar ever covers another (siblings
// that run at once, orphans whose parent never arrived, a second root). Parents come
// before their children, siblings by start time; roots first, then orphans.
export function flameLayout<T extends LayoutSpan>(spans: T[]): FlameLayout<T> {
  if (!spans.length) return { bars: [], depth: 0, t0: 0, total: 1 };
  const ids = new Set(spans.map((s) => s.span_id));
  const children = new Map<string, T[]>();
  const roots: T[] = [];
  for (const s of spans) {
    if (!isRootId(s.parent_id) && ids.has(s.parent_id) && s.parent_id !== s.span_id) {
      const list = children.get(s.parent_id) ?? [];
      list.push(s);
      children.set(s.parent_id, list);
    } else roots.push(s);
  }
  for (const list of children.values()) list.sort((a, b) => a.start - b.start);
  const t0 = Math.min(...spans.map((s) => s.start));
  const t1 = Math.max(...spans.map((s) => s.start + s.duration));
  const total = Math.max(1, t1 - t0);
  const bars: FlameBar<T>[] = [];
  // Per row, the placed intervals by start (they never overlap each other).
  const rows: { from: number; to: number }[][] = [];
  const free = (row: { from: number; to: number }[] | undefined, from: number, to: number): boolean => {
    if (!row) return true;
    let lo = 0;
    let hi = row.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (row[mid].from < from) lo = mid + 1;
      else hi = mid;
    }
    // The neighbour before may reach into [from, to); the one at lo may start in it.
    if (lo > 0 && row[lo - 1].to > from) return false;
    if (lo < row.length && row[lo].from < to) return false;
    if (lo < row.length && row[lo].from === from) return false;
    return true;
  };
  const occupy = (d: number, from: number, to: number) => {
    const row = (rows[d] ??= []);
    let lo = 0;
    let hi = row.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (row[mid].from < from) lo = mid + 1;
      else hi = mid;
    }
    row.splice(lo, 0, { from, to });
  };
  const seen = new Set<string>();
  const place = (root: T, minDepth: number, orphan: boolean) => {
    const stack: { span: T; min: number; orphan: boolean }[] = [{ span: root, min: minDepth, orphan }];
    while (stack.length) {
      const { span, min, orphan: o } = stack.pop()!;
      if (seen.has(span.span_id)) continue; // a cycle in bad data
      seen.add(span.span_id);
      const from = span.start;
      const to = span.start + Math.max(span.duration, 0);
      let d = min;
      while (!free(rows[d], from, to)) d++;
      occupy(d, from, to);
      bars.push({ span, depth: d, x: (span.start - t0) / total, w: span.duration / total, orphan: o });
      const kids = children.get(span.span_id) ?? [];
      // Pushed last-first so the earliest child is placed first.
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ span: kids[i], min: d + 1, orphan: false });
    }
  };
  roots.sort((a, b) => Number(!isRootId(a.parent_id)) - Number(!isRootId(b.parent_id)) || a.start - b.start);
  for (const root of roots) place(root, 0, !isRootId(root.parent_id));
  // Spans no root reaches (parents in a cycle) start trees of their own.
  for (const s of spans.slice().sort((a, b) => a.start - b.start)) if (!seen.has(s.span_id)) place(s, 0, true);
  return { bars, depth: rows.length, t0, total };
}

// Each service's share of the trace's time: the time its spans spend themselves,
// not waiting on their children (a parent's time minus the union of its children's).
export function serviceShares<T extends LayoutSpan & { service: string }>(spans: T[]): { service: string; ns: number; share: number }[] {
  const byId = new Map(spans.map((s) => [s.span_id, s]));
  const kids = new Map<string, T[]>();
  for (const s of spans) {
    if (!isRootId(s.parent_id) && byId.has(s.parent_id) && s.parent_id !== s.span_id) {
      const list = kids.get(s.parent_id) ?? [];
      list.push(s);
      kids.set(s.parent_id, list);
    }
  }
  const self = new Map<string, number>();
  for (const s of spans) {
    const end = s.start + s.duration;
    const iv = (kids.get(s.span_id) ?? []).map((c) => [Math.max(s.start, c.start), Math.min(end, c.start + c.duration)] as const).filter(([a, b]) => b > a);
    iv.sort((a, b) => a[0] - b[0]);
    let covered = 0;
    let curA = -Infinity;
    let curB = -Infinity;
    for (const [a, b] of iv) {
      if (a > curB) {
        if (curB > curA) covered += curB - curA;
        curA = a;
        curB = b;
      } else curB = Math.max(curB, b);
    }
    if (curB > curA) covered += curB - curA;
    self.set(s.service, (self.get(s.service) ?? 0) + Math.max(0, s.duration - covered));
  }
  const sum = [...self.values()].reduce((a, b) => a + b, 0);
  return [...self.entries()].map(([service, ns]) => ({ service, ns, share: sum > 0 ? ns / sum : 0 })).sort((a, b) => b.ns - a.ns || a.service.localeCompare(b.service));
}

// Fits `text` into `px` pixels, cut with an ellipsis; '' when not even one letter fits.
export function clipLabel(text: string, px: number, measure: (s: string) => number): string {
  if (measure(text) <= px) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (measure(text.slice(0, mid) + '…') <= px) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? '' : text.slice(0, lo).trimEnd() + '…';
}

export const FLAME_ROW = 22;

export interface FlameSpan extends LayoutSpan {
  service: string;
  resource_name: string;
  operation_name?: string;
  status: string;
}

export interface FlameGraph {
  el: HTMLElement;
  select(spanId: string | null): void;
  destroy(): void;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

export function flameGraph<T extends FlameSpan>(layout: FlameLayout<T>, colorOf: (service: string) => string, onSelect: (span: T) => void): FlameGraph {
  const canvas = h('canvas', { class: 'flame-canvas' });
  const tip = h('div', { class: 'flame-tip' });
  tip.hidden = true;
  const el = h('div', { class: 'flame' });
  // A time ruler over the bars: the trace's start to its end.
  const axis = h('div', { class: 'flame-axis', 'aria-hidden': 'true' });
  for (const f of [0, 0.25, 0.5, 0.75, 1]) {
    axis.append(h('span', { class: 'flame-tick', style: f === 1 ? 'right: 0' : `left: ${f * 100}%` }, fmtDuration(layout.total * f)));
  }
  el.append(axis, canvas, tip);
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', `Flame graph of ${layout.bars.length} spans`);
  canvas.dataset.bars = String(layout.bars.length);
  const rows: FlameBar<T>[][] = Array.from({ length: layout.depth }, () => []);
  for (const b of layout.bars) rows[b.depth].push(b);
  for (const r of rows) r.sort((a, b) => a.x - b.x);
  let selected: string | null = null;
  let hover: FlameBar<T> | null = null;
  const height = Math.max(1, layout.depth) * FLAME_ROW + 2;

  function draw(): void {
    const width = Math.max(200, el.clientWidth);
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
    ctx.textBaseline = 'middle';
    const errColor = cssVar('--error');
    const selColor = cssVar('--text');
    let drawn = 0;
    const widths = new Map<string, number>();
    const measure = (s: string) => {
      let w = widths.get(s);
      if (w === undefined) widths.set(s, (w = ctx.measureText(s).width));
      return w;
    };
    for (const b of layout.bars) {
      const x = b.x * width;
      // Every span stays visible, however short.
      const w = Math.max(1, b.w * width);
      const y = b.depth * FLAME_ROW + 1;
      ctx.fillStyle = colorOf(b.span.service);
      ctx.globalAlpha = hover === b ? 1 : 0.85;
      ctx.fillRect(x, y, w, FLAME_ROW - 2);
      ctx.globalAlpha = 1;
      drawn++;
      if (b.span.status === 'error') {
        ctx.fillStyle = errColor;
        ctx.fillRect(x, y + FLAME_ROW - 5, w, 3);
      }
      if (b.span.span_id === selected) {
        ctx.strokeStyle = selColor;
        ctx.lineWidth = 2;
        ctx.strokeRect(x + 1, y + 1, Math.max(1, w - 2), FLAME_ROW - 4);
      }
      if (w > 24) {
        const label = clipLabel(b.span.resource_name || b.span.operation_name || b.span.service, w - 8, measure);
        if (label) {
          ctx.fillStyle = '#fff';
          ctx.fillText(label, x + 4, y + (FLAME_ROW - 2) / 2);
        }
      }
    }
    canvas.dataset.drawn = String(drawn);
  }

  function at(ev: MouseEvent): FlameBar<T> | null {
    const rect = canvas.getBoundingClientRect();
    const fx = (ev.clientX - rect.left) / rect.width;
    const row = rows[Math.floor((ev.clientY - rect.top) / FLAME_ROW)];
    if (!row) return null;
    const minW = 1 / rect.width;
    let best: FlameBar<T> | null = null;
    for (const b of row) {
      if (b.x > fx) break;
      if (fx <= b.x + Math.max(b.w, minW)) best = b;
    }
    return best;
  }
  canvas.addEventListener('mousemove', (ev) => {
    const b = at(ev);
    canvas.style.cursor = b ? 'pointer' : 'default';
    if (b !== hover) {
      hover = b;
      draw();
    }
    if (!b) {
      tip.hidden = true;
      return;
    }
    const s = b.span;
    tip.replaceChildren(
      h('div', { class: 'flame-tip-title' }, s.resource_name || s.operation_name || ''),
      h('div', { class: 'flame-tip-line' }, `${s.service}${s.operation_name ? ' · ' + s.operation_name : ''}`),
      h('div', { class: 'flame-tip-line' }, `${fmtDuration(s.duration)} · ${((s.duration / layout.total) * 100).toFixed(1)}% of the trace${s.status === 'error' ? ' · error' : ''}`),
    );
    tip.hidden = false;
    // Fixed to the window, so the scrolling card never cuts it off.
    const left = Math.min(ev.clientX + 12, window.innerWidth - tip.offsetWidth - 8);
    const below = ev.clientY + 16 + tip.offsetHeight < window.innerHeight;
    tip.style.left = `${Math.max(0, left)}px`;
    tip.style.top = `${below ? ev.clientY + 16 : ev.clientY - tip.offsetHeight - 8}px`;
  });
  canvas.addEventListener('mouseleave', () => {
    tip.hidden = true;
    if (hover) {
      hover = null;
      draw();
    }
  });
  canvas.addEventListener('click', (ev) => {
    const b = at(ev);
    if (b) onSelect(b.span);
  });
  const ro = new ResizeObserver(() => draw());
  ro.observe(el);
  const onTheme = () => draw();
  window.addEventListener('heeler-theme', onTheme);
  return {
    el,
    select(id) {
      if (id === selected) return;
      selected = id;
      draw();
    },
    destroy() {
      ro.disconnect();
      window.removeEventListener('heeler-theme', onTheme);
    },
  };
}
