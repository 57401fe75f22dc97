// uPlot charts: lines for metric series, stacked bars for log volume.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export const PALETTE = ['#3d6fd9', '#e0703a', '#2f9e6e', '#b84bb8', '#c9a227', '#d14b5a', '#2aa1b3', '#7c5cd6', '#8a8f3a', '#5e7a99'];
export const STATUS_COLORS: Record<string, string> = {
  emergency: '#a3162b',
  alert: '#b7192f',
  critical: '#c41f35',
  error: '#d9424f',
  warn: '#e6a23c',
  warning: '#e6a23c',
  notice: '#3d8fd9',
  info: '#4e9bd6',
  ok: '#2f9e6e',
  debug: '#8a93a6',
  trace: '#a5adbd',
};

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function axes(ySpace = 30): uPlot.Axis[] {
  const stroke = cssVar('--muted');
  const grid = { stroke: cssVar('--grid'), width: 1 };
  return [
    { stroke, grid, ticks: grid },
    { stroke, grid, ticks: grid, size: 60, space: ySpace },
  ];
}

// Keeps a chart as wide as its box, and its idea of where it sits on the page
// current: content loading above a chart moves it without a resize or scroll event,
// and a stale position leaves the cursor (and the hover values) off the plot.
function fit(plot: uPlot, box: HTMLElement, height: number): () => void {
  const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(200, box.clientWidth), height }));
  ro.observe(box);
  const sync = () => plot.syncRect(true);
  box.addEventListener('mouseenter', sync);
  return () => {
    ro.disconnect();
    box.removeEventListener('mouseenter', sync);
  };
}

export interface Chart {
  destroy(): void;
}

// `fmt`, when given, writes the y axis's values (e.g. 48M for 48,000,000).
export function lineChart(box: HTMLElement, times: number[], series: { label: string; values: (number | null)[] }[], fmt?: (v: number) => string): Chart {
  const ax = axes();
  if (fmt) ax[1].values = (_u: uPlot, splits: number[]) => splits.map(fmt);
  const opts: uPlot.Options = {
    width: Math.max(200, box.clientWidth),
    height: 320,
    axes: ax,
    cursor: { points: { size: 6 } },
    legend: { live: true },
    scales: { x: { time: true } },
    series: [
      { label: 'Time' },
      ...series.map((s, i) => ({
        label: s.label,
        stroke: PALETTE[i % PALETTE.length],
        width: 2,
        // Sparse series (reported less often than the interval) still draw as lines.
        spanGaps: true,
        points: { show: times.length < 60 },
      })),
    ],
  };
  const plot = new uPlot(opts, [times, ...series.map((s) => s.values)] as uPlot.AlignedData, box);
  const unfit = fit(plot, box, 320);
  return {
    destroy() {
      unfit();
      plot.destroy();
    },
  };
}

// Stacked bars: each status on top of the ones before it.
// `onSelect`, when given, makes a drag across the plot choose a time range (seconds).
export function stackedBars(box: HTMLElement, times: number[], series: { label: string; values: number[] }[], height = 110, onSelect?: (from: number, to: number) => void): Chart {
  // Cumulative heights; an empty interval draws no bar (null), not a flat line.
  const stacked: (number | null)[][] = [];
  const acc = new Array(times.length).fill(0);
  for (const s of series) stacked.push(s.values.map((v, i) => ((acc[i] += v || 0) === 0 ? null : acc[i])));
  const bars = uPlot.paths.bars!({ size: [0.8, 24] });
  // The tallest stack is drawn first, so each shorter one sits in front of it.
  const order = series.slice().reverse();
  const opts: uPlot.Options = {
    width: Math.max(200, box.clientWidth),
    height,
    axes: axes(18),
    legend: { show: true, live: true },
    cursor: { points: { show: false }, drag: { x: !!onSelect, y: false, setScale: false } },
    scales: { x: { time: true } },
    hooks: onSelect
      ? {
          setSelect: [
            (u: uPlot) => {
              if (u.select.width < 3) return;
              const from = u.posToVal(u.select.left, 'x');
              const to = u.posToVal(u.select.left + u.select.width, 'x');
              u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
              onSelect(from, to);
            },
          ],
        }
      : {},
    series: [
      { label: 'Time' },
      ...order.map((s) => ({
        label: s.label,
        fill: STATUS_COLORS[s.label] ?? '#8a93a6',
        stroke: STATUS_COLORS[s.label] ?? '#8a93a6',
        paths: bars,
        points: { show: false },
        // The legend shows each status's own count, not the stacked height.
        value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) => (idx == null ? '' : String(s.values[idx] ?? 0)),
      })),
    ],
  };
  const data = [times, ...stacked.slice().reverse()] as uPlot.AlignedData;
  const plot = new uPlot(opts, data, box);
  const unfit = fit(plot, box, height);
  return {
    destroy() {
      unfit();
      plot.destroy();
    },
  };
}

// A small line chart with a dashed vertical marker at `markerSec` (epoch seconds).
export function markedLine(box: HTMLElement, times: number[], values: (number | null)[], label: string, markerSec: number, height = 140): Chart {
  const marker = cssVar('--error');
  const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });
  const [x, y] = axes(24);
  const opts: uPlot.Options = {
    width: Math.max(200, box.clientWidth),
    height,
    // Short numbers (4.2B, not 4,200,000,000) so the axis fits a narrow panel.
    axes: [{ ...x, space: 70 }, { ...y, size: 48, values: (_u, splits) => splits.map((v) => compact.format(v)) }],
    legend: { show: false },
    cursor: { points: { size: 5 } },
    scales: { x: { time: true, range: (_u, min, max) => [Math.min(min, markerSec), Math.max(max, markerSec)] } },
    series: [{ label: 'Time' }, { label, stroke: PALETTE[0], fill: PALETTE[0] + '22', width: 1.5, spanGaps: true, points: { show: false } }],
    hooks: {
      draw: [
        (u) => {
          const x = Math.round(u.valToPos(markerSec, 'x', true));
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = marker;
          ctx.lineWidth = 2 * uPlot.pxRatio;
          ctx.setLineDash([5 * uPlot.pxRatio, 4 * uPlot.pxRatio]);
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.restore();
        },
      ],
    },
  };
  const plot = new uPlot(opts, [times, values] as uPlot.AlignedData, box);
  const unfit = fit(plot, box, height);
  return {
    destroy() {
      unfit();
      plot.destroy();
    },
  };
}
