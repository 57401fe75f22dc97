// What each widget type draws in its body: timeseries (uPlot), query value, top list,
// table, pie, heatmap and note. A widget's draw() resolves once it has drawn and
// says whether there was data; a refused query rejects with the server's message.
import uPlot from 'uplot';
import { PALETTE } from '../chart';
import { h } from '../dom';
import { parseMarkdown, type Block, type Inline } from './markdown';
import { requestQuery, type WidgetDefinition, type WidgetRequest } from './model';
import { chooseFormat, CONDITIONAL_PALETTES, fmtValue, heatmapBuckets, pieSlices, queryValue, seriesLabel, sortRows, tableRows, toplist, type Series, type TableData } from './reduce';
import { runQuery } from './store';
import { substitute, type TplValue } from './tplvars';

export type Compare = 'none' | 'day' | 'week';

export interface DrawContext {
  from: number; // ms
  to: number;
  tpl: TplValue[];
  compare: Compare;
  signal: AbortSignal;
}

export type Outcome = 'ready' | 'empty';

export interface WidgetView {
  draw(ctx: DrawContext): Promise<Outcome>;
  destroy(): void;
}

export const PALETTES: Record<string, string[]> = {
  dog_classic: PALETTE,
  classic: PALETTE,
  cool: ['#2a6fdb', '#2aa1b3', '#5e7a99', '#7c5cd6', '#3d8fd9', '#4fb3c8'],
  warm: ['#e0703a', '#d14b5a', '#c9a227', '#e6a23c', '#b84b4b', '#f08c5a'],
  purple: ['#7c5cd6', '#b84bb8', '#9b7be0', '#6a4bb0', '#c98ae0'],
  orange: ['#e0703a', '#f08c5a', '#c9602a', '#f5a47a'],
  gray: ['#5e6b7d', '#8a93a6', '#a5adbd', '#474f5c'],
  grey: ['#5e6b7d', '#8a93a6', '#a5adbd', '#474f5c'],
  green: ['#2f9e6e', '#56b987', '#1d7a52', '#8fd1ac'],
  red: ['#d14b5a', '#e07580', '#a8323f'],
};

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(hex);
  if (!m) return hex;
  const n = parseInt(m[1], 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

// The queries of a widget's requests with template variables applied.
function queries(def: WidgetDefinition, ctx: DrawContext): { query: string; alias?: string; req: WidgetRequest }[] {
  const out: { query: string; alias?: string; req: WidgetRequest }[] = [];
  for (const req of def.requests ?? []) {
    const rq = requestQuery(req);
    if (rq) out.push({ query: substitute(rq.query, ctx.tpl), alias: rq.alias, req });
  }
  return out;
}

async function firstSeries(def: WidgetDefinition, ctx: DrawContext): Promise<{ series: Series[]; req: WidgetRequest; query: string } | null> {
  const qs = queries(def, ctx);
  if (!qs.length) return null;
  const series = await runQuery(qs[0].query, ctx.from, ctx.to, ctx.signal);
  return { series, req: qs[0].req, query: qs[0].query };
}

// The size inside a box's padding.
function inner(box: HTMLElement): { width: number; height: number } {
  const cs = getComputedStyle(box);
  return {
    width: box.clientWidth - parseFloat(cs.paddingLeft || '0') - parseFloat(cs.paddingRight || '0'),
    height: box.clientHeight - parseFloat(cs.paddingTop || '0') - parseFloat(cs.paddingBottom || '0'),
  };
}

function canvasIn(box: HTMLElement): { canvas: HTMLCanvasElement; g: CanvasRenderingContext2D; w: number; hgt: number } {
  const canvas = h('canvas', { class: 'dash-canvas' });
  box.replaceChildren(canvas);
  const size = inner(box);
  const w = Math.max(80, size.width);
  const hgt = Math.max(60, size.height);
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(hgt * dpr);
  canvas.style.width = `${w}px`;
  canvas.style.height = `${hgt}px`;
  const g = canvas.getContext('2d')!;
  g.scale(dpr, dpr);
  return { canvas, g, w, hgt };
}

// Redraws on a size change of the body, after the first draw.
function onResize(box: HTMLElement, redraw: () => void): () => void {
  let last = `${box.clientWidth}x${box.clientHeight}`;
  let frame = 0;
  const ro = new ResizeObserver(() => {
    const now = `${box.clientWidth}x${box.clientHeight}`;
    if (now === last) return;
    last = now;
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(redraw);
  });
  ro.observe(box);
  return () => {
    cancelAnimationFrame(frame);
    ro.disconnect();
  };
}

// ---- timeseries

function timeseries(def: WidgetDefinition, box: HTMLElement): WidgetView {
  let plot: uPlot | null = null;
  let ro: ResizeObserver | null = null;
  const clear = () => {
    ro?.disconnect();
    ro = null;
    plot?.destroy();
    plot = null;
  };
  return {
    async draw(ctx) {
      const qs = queries(def, ctx);
      const wrap = (q: string) => (ctx.compare === 'day' ? `day_before(${q})` : `week_before(${q})`);
      const shift = ctx.compare === 'day' ? 86_400_000 : 7 * 86_400_000;
      const jobs: Promise<Series[]>[] = qs.map((q) => runQuery(q.query, ctx.from, ctx.to, ctx.signal));
      const past: Promise<Series[]>[] = ctx.compare === 'none' ? [] : qs.map((q) => runQuery(wrap(q.query), ctx.from, ctx.to, ctx.signal));
      const [results, pastResults] = await Promise.all([Promise.all(jobs), Promise.all(past)]);
      type Line = { label: string; points: [number, number | null][]; color: string; kind: string; past: boolean };
      const lines: Line[] = [];
      let colorIndex = 0;
      results.forEach((series, i) => {
        const req = qs[i].req;
        const pal = PALETTES[String(req.style?.palette ?? 'dog_classic')] ?? PALETTE;
        const start = colorIndex;
        series.forEach((s, j) => {
          const color = pal[(start + j) % pal.length];
          lines.push({ label: seriesLabel(s, qs[i].alias), points: s.pointlist, color, kind: req.display_type ?? 'line', past: false });
          const ps = pastResults[i]?.find((p) => p.tag_set.join(',') === s.tag_set.join(','));
          if (ps) {
            // The server answers past data at the current times; older servers at
            // the past ones, which are moved forward here.
            const first = ps.pointlist[0]?.[0] ?? 0;
            const moved = first < ctx.from - shift / 2 ? ps.pointlist.map(([t, v]) => [t + shift, v] as [number, number | null]) : ps.pointlist;
            lines.push({ label: `${seriesLabel(s, qs[i].alias)} (${ctx.compare === 'day' ? '1d' : '1w'} ago)`, points: moved, color, kind: 'line', past: true });
          }
        });
        colorIndex += series.length;
      });
      clear();
      box.replaceChildren();
      if (!lines.some((l) => !l.past && l.points.some((p) => p[1] !== null))) return 'empty';
      const times = [...new Set(lines.flatMap((l) => l.points.map((p) => p[0])))].sort((a, b) => a - b);
      const index = new Map(times.map((t, i) => [t, i]));
      const data: (number | null)[][] = lines.map((l) => {
        const v: (number | null)[] = new Array(times.length).fill(null);
        for (const [t, y] of l.points) v[index.get(t)!] = y;
        return v;
      });
      const stroke = cssVar('--muted');
      const grid = { stroke: cssVar('--grid'), width: 1 };
      const bars = uPlot.paths.bars!({ size: [0.7, 16] });
      const legend = def.show_legend !== false;
      const opts: uPlot.Options = {
        width: Math.max(120, inner(box).width),
        height: Math.max(60, inner(box).height),
        axes: [
          { stroke, grid, ticks: grid, size: 28, font: '11px system-ui, sans-serif' },
          { stroke, grid, ticks: grid, size: 44, space: 24, font: '11px system-ui, sans-serif', values: (_u, vals) => vals.map((v) => fmtValue(v)) },
        ],
        cursor: { points: { size: 5 } },
        legend: { show: legend, live: true },
        scales: { x: { time: true, range: [ctx.from / 1000, ctx.to / 1000] } },
        series: [
          { label: 'Time' },
          ...lines.map((l) => ({
            label: l.label,
            stroke: l.past ? withAlpha(l.color, 0.55) : l.color,
            width: l.past ? 1.25 : 1.5,
            dash: l.past ? [5, 4] : undefined,
            fill: l.kind === 'area' ? withAlpha(l.color, 0.18) : l.kind === 'bars' ? withAlpha(l.color, 0.75) : undefined,
            paths: l.kind === 'bars' ? bars : undefined,
            spanGaps: true,
            points: { show: false },
            value: (_u: uPlot, v: number | null) => (v === null ? '–' : fmtValue(v)),
          })),
        ],
      };
      plot = new uPlot(opts, [times.map((t) => t / 1000), ...data] as uPlot.AlignedData, box);
      const p = plot;
      // The legend takes its height from the plot's.
      const fitSize = () => {
        const leg = p.root.querySelector('.u-legend') as HTMLElement | null;
        const size = inner(box);
        const width = Math.max(120, size.width);
        const height = Math.max(50, size.height - (leg?.offsetHeight ?? 0));
        if (p.width !== width || p.height !== height) p.setSize({ width, height });
      };
      fitSize();
      ro = new ResizeObserver(fitSize);
      ro.observe(box);
      box.addEventListener('mouseenter', () => p.syncRect(true));
      return 'ready';
    },
    destroy: clear,
  };
}

// ---- query value

function queryValueWidget(def: WidgetDefinition, box: HTMLElement): WidgetView {
  return {
    async draw(ctx) {
      const r = await firstSeries(def, ctx);
      box.replaceChildren();
      if (!r) return 'empty';
      const value = queryValue(r.series, String(r.req.aggregator ?? 'avg'));
      if (value === null) return 'empty';
      const fmt = chooseFormat(value, r.req.conditional_formats);
      const colours = fmt ? CONDITIONAL_PALETTES[fmt.palette] : undefined;
      const text = fmtValue(value, typeof def.precision === 'number' ? def.precision : 2);
      const num = h('span', { class: 'qv-number' }, text);
      const unit = def.custom_unit ? h('span', { class: 'qv-unit' }, String(def.custom_unit)) : null;
      const el = h('div', { class: 'qv', 'data-palette': fmt?.palette ?? '' }, num, unit);
      if (colours) {
        el.style.color = colours.fg;
        el.style.background = colours.bg;
      }
      box.append(el);
      // The number fills the box, whatever its size.
      const size = Math.max(16, Math.min(box.clientHeight * 0.55, (box.clientWidth * 1.5) / Math.max(2, text.length + (unit ? 2 : 0))));
      num.style.fontSize = `${Math.round(size)}px`;
      return 'ready';
    },
    destroy() {},
  };
}

// ---- top list

function toplistWidget(def: WidgetDefinition, box: HTMLElement): WidgetView {
  return {
    async draw(ctx) {
      const r = await firstSeries(def, ctx);
      box.replaceChildren();
      if (!r) return 'empty';
      const rows = toplist(r.series, r.query, typeof r.req.limit === 'number' ? r.req.limit : 10);
      if (!rows.length) return 'empty';
      const max = Math.max(...rows.map((x) => Math.abs(x.value))) || 1;
      const pal = PALETTES[String(r.req.style?.palette ?? 'dog_classic')] ?? PALETTE;
      const list = h('ol', { class: 'toplist' });
      rows.forEach((row, i) => {
        const bar = h('span', { class: 'tl-bar' });
        bar.style.width = `${(Math.abs(row.value) / max) * 100}%`;
        bar.style.background = pal[0];
        list.append(
          h('li', { class: 'tl-row', title: row.label }, h('span', { class: 'tl-rank' }, String(i + 1)), h('span', { class: 'tl-label' }, row.label), h('span', { class: 'tl-track' }, bar), h('span', { class: 'tl-value' }, fmtValue(row.value))),
        );
      });
      box.append(list);
      return 'ready';
    },
    destroy() {},
  };
}

// ---- table

function tableWidget(def: WidgetDefinition, box: HTMLElement): WidgetView {
  let data: TableData | null = null;
  let sortCol = -1;
  let dir: 'asc' | 'desc' = 'desc';
  let alias = 'value';
  const render = () => {
    if (!data) return;
    const shown = sortCol < 0 ? data : sortRows(data, sortCol, dir);
    const heads = [...data.columns, alias].map((c, i) =>
      h(
        'th',
        { class: i === data!.columns.length ? 'num' : '', 'aria-sort': i === sortCol ? (dir === 'asc' ? 'ascending' : 'descending') : 'none' },
        h(
          'button',
          {
            class: 'th-sort',
            onclick: () => {
              if (sortCol === i) dir = dir === 'asc' ? 'desc' : 'asc';
              else {
                sortCol = i;
                dir = i === data!.columns.length ? 'desc' : 'asc';
              }
              render();
            },
          },
          c,
          i === sortCol ? (dir === 'asc' ? ' ▲' : ' ▼') : '',
        ),
      ),
    );
    const body = shown.rows.map((r) => h('tr', null, ...r.groups.map((g) => h('td', null, g)), h('td', { class: 'num' }, fmtValue(r.value))));
    box.replaceChildren(h('div', { class: 'dash-table-wrap' }, h('table', { class: 'dash-table' }, h('thead', null, h('tr', null, ...heads)), h('tbody', null, ...body))));
  };
  return {
    async draw(ctx) {
      const r = await firstSeries(def, ctx);
      box.replaceChildren();
      if (!r) return 'empty';
      alias = typeof r.req.alias === 'string' && r.req.alias ? r.req.alias : String(r.req.aggregator ?? 'avg');
      data = tableRows(r.series, String(r.req.aggregator ?? 'avg'), r.req.order === 'asc' ? 'asc' : 'desc', typeof r.req.limit === 'number' ? r.req.limit : undefined);
      if (!data.rows.length) return 'empty';
      render();
      return 'ready';
    },
    destroy() {},
  };
}

// ---- pie (Datadog's sunburst)

function pieWidget(def: WidgetDefinition, box: HTMLElement): WidgetView {
  let unwatch: (() => void) | null = null;
  return {
    async draw(ctx) {
      const r = await firstSeries(def, ctx);
      unwatch?.();
      box.replaceChildren();
      if (!r) return 'empty';
      const slices = pieSlices(r.series, String(r.req.aggregator ?? 'sum'));
      if (!slices.length) return 'empty';
      const pal = PALETTES[String(r.req.style?.palette ?? 'dog_classic')] ?? PALETTE;
      const chartBox = h('div', { class: 'pie-chart' });
      const legend = h(
        'ul',
        { class: 'pie-legend' },
        ...slices.map((s, i) => {
          const sw = h('span', { class: 'swatch' });
          sw.style.background = pal[i % pal.length];
          return h('li', { title: s.label }, sw, h('span', { class: 'pie-label' }, s.label), h('span', { class: 'pie-pct' }, `${(s.fraction * 100).toFixed(1)}%`));
        }),
      );
      box.append(h('div', { class: 'pie' }, chartBox, legend));
      const paint = () => {
        const { g, w, hgt } = canvasIn(chartBox);
        const radius = Math.max(10, Math.min(w, hgt) / 2 - 6);
        const cx = w / 2;
        const cy = hgt / 2;
        let a = -Math.PI / 2;
        slices.forEach((s, i) => {
          const b = a + s.fraction * Math.PI * 2;
          g.beginPath();
          g.moveTo(cx, cy);
          g.arc(cx, cy, radius, a, b);
          g.closePath();
          g.fillStyle = pal[i % pal.length];
          g.fill();
          a = b;
        });
        // The hole, and the total in it.
        g.globalCompositeOperation = 'destination-out';
        g.beginPath();
        g.arc(cx, cy, radius * 0.58, 0, Math.PI * 2);
        g.fill();
        g.globalCompositeOperation = 'source-over';
        g.fillStyle = cssVar('--text');
        g.font = `600 ${Math.max(11, Math.round(radius * 0.28))}px system-ui, sans-serif`;
        g.textAlign = 'center';
        g.textBaseline = 'middle';
        g.fillText(fmtValue(slices.reduce((x, s) => x + s.value, 0)), cx, cy);
      };
      paint();
      unwatch = onResize(chartBox, paint);
      return 'ready';
    },
    destroy() {
      unwatch?.();
    },
  };
}

// ---- heatmap

function heatColor(f: number): string {
  // From a pale blue through the accent blue to orange for the densest cells.
  const stops = [
    [198, 219, 247],
    [61, 111, 217],
    [224, 112, 58],
  ];
  const x = Math.max(0, Math.min(1, f)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const t = x - i;
  const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * t));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}

function heatmapWidget(def: WidgetDefinition, box: HTMLElement): WidgetView {
  let unwatch: (() => void) | null = null;
  return {
    async draw(ctx) {
      const r = await firstSeries(def, ctx);
      unwatch?.();
      box.replaceChildren();
      if (!r) return 'empty';
      const hm = heatmapBuckets(r.series, 16);
      if (!hm) return 'empty';
      const paint = () => {
        const { g, w, hgt } = canvasIn(box);
        const left = 46;
        const bottomPad = 20;
        const pw = w - left - 6;
        const ph = hgt - bottomPad - 4;
        const span = Math.max(1, ctx.to - ctx.from);
        // A column is as wide as the interval between points.
        let step = Infinity;
        for (let i = 1; i < hm.times.length; i++) step = Math.min(step, hm.times[i] - hm.times[i - 1]);
        const colW = Math.max(1, Number.isFinite(step) ? (step / span) * pw : pw / 60);
        const rowH = ph / hm.buckets;
        hm.times.forEach((t, ci) => {
          const x = left + ((t - ctx.from) / span) * pw;
          hm.counts[ci].forEach((n, bi) => {
            if (!n) return;
            g.fillStyle = heatColor(hm.maxCount > 1 ? (n - 1) / (hm.maxCount - 1) : 0.5);
            g.fillRect(x, 4 + ph - (bi + 1) * rowH, Math.min(Math.ceil(colW), left + pw - x), Math.ceil(rowH));
          });
        });
        const muted = cssVar('--muted');
        g.fillStyle = muted;
        g.font = '11px system-ui, sans-serif';
        g.textAlign = 'right';
        g.textBaseline = 'middle';
        for (const f of [0, 0.5, 1]) g.fillText(fmtValue(hm.min + (hm.max - hm.min) * f), left - 6, 4 + ph - f * ph);
        g.textAlign = 'center';
        g.textBaseline = 'top';
        const ticks = Math.max(2, Math.floor(pw / 110));
        for (let i = 0; i <= ticks; i++) {
          const t = ctx.from + (span * i) / ticks;
          const d = new Date(t);
          const label = span > 2 * 86_400_000 ? `${d.getMonth() + 1}/${d.getDate()}` : `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
          g.textAlign = i === 0 ? 'left' : i === ticks ? 'right' : 'center';
          g.fillText(label, left + (pw * i) / ticks, hgt - bottomPad + 5);
        }
        g.strokeStyle = cssVar('--grid');
        g.strokeRect(left + 0.5, 4.5, pw, ph);
      };
      paint();
      unwatch = onResize(box, paint);
      return 'ready';
    },
    destroy() {
      unwatch?.();
    },
  };
}

// ---- note

function inlineNodes(nodes: Inline[]): Node[] {
  return nodes.map((n) => {
    switch (n.t) {
      case 'text':
        return document.createTextNode(n.text);
      case 'code':
        return h('code', null, n.text);
      case 'strong':
        return h('strong', null, ...inlineNodes(n.children));
      case 'em':
        return h('em', null, ...inlineNodes(n.children));
      case 'link':
        return h('a', { href: n.href, target: n.href.startsWith('/') || n.href.startsWith('#') ? undefined : '_blank', rel: 'noopener noreferrer' }, ...inlineNodes(n.children));
    }
  });
}

export function markdownNodes(blocks: Block[]): Node[] {
  return blocks.map((b) => {
    switch (b.t) {
      case 'heading':
        return h(`h${Math.min(6, b.level + 2)}` as 'h3', { class: 'md-h' }, ...inlineNodes(b.children));
      case 'paragraph':
        return h('p', null, ...inlineNodes(b.children));
      case 'codeblock':
        return h('pre', null, h('code', null, b.text));
      case 'list':
        return h(b.ordered ? 'ol' : 'ul', null, ...b.items.map((it) => h('li', null, ...inlineNodes(it))));
    }
  });
}

const NOTE_BACKGROUNDS: Record<string, string> = {
  white: 'var(--panel)',
  transparent: 'transparent',
  blue: 'rgba(61, 111, 217, 0.14)',
  purple: 'rgba(124, 92, 214, 0.15)',
  pink: 'rgba(214, 92, 160, 0.15)',
  orange: 'rgba(224, 112, 58, 0.15)',
  yellow: 'rgba(230, 194, 60, 0.22)',
  green: 'rgba(47, 158, 110, 0.15)',
  gray: 'rgba(127, 135, 150, 0.15)',
  red: 'rgba(209, 75, 90, 0.15)',
};
export const NOTE_COLORS = Object.keys(NOTE_BACKGROUNDS);

function noteWidget(def: WidgetDefinition, box: HTMLElement): WidgetView {
  return {
    async draw() {
      const content = typeof def.content === 'string' ? def.content : '';
      const el = h('div', { class: 'note' }, ...markdownNodes(parseMarkdown(content)));
      const bg = NOTE_BACKGROUNDS[String(def.background_color ?? 'yellow')] ?? NOTE_BACKGROUNDS.yellow;
      el.style.background = bg;
      const fs = Number(def.font_size ?? 14);
      el.style.fontSize = `${Number.isFinite(fs) ? Math.max(10, Math.min(48, fs)) : 14}px`;
      const align = String(def.text_align ?? 'left');
      if (['left', 'center', 'right'].includes(align)) el.style.textAlign = align;
      box.replaceChildren(el);
      return content.trim() ? 'ready' : 'empty';
    },
    destroy() {},
  };
}

export function createWidget(def: WidgetDefinition, box: HTMLElement): WidgetView | null {
  switch (def.type) {
    case 'timeseries':
      return timeseries(def, box);
    case 'query_value':
      return queryValueWidget(def, box);
    case 'toplist':
      return toplistWidget(def, box);
    case 'query_table':
      return tableWidget(def, box);
    case 'sunburst':
      return pieWidget(def, box);
    case 'heatmap':
      return heatmapWidget(def, box);
    case 'note':
      return noteWidget(def, box);
    default:
      return null;
  }
}
