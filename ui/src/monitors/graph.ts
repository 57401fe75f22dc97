// A monitor's query as lines, one per group, with its thresholds drawn across.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { PALETTE } from '../chart';
import { h } from '../dom';
import type { GraphData } from './api';
import { ThresholdLine, yRange } from './model';
import type { EventMarker } from './notify';

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

export interface ThresholdGraph {
  el: HTMLElement;
  // New data or new lines; the chart is rebuilt (uPlot's series set is fixed). Markers
  // are drawn as vertical lines at their times (state changes on the status page).
  show(data: GraphData, lines: ThresholdLine[], markers?: EventMarker[]): void;
  clear(): void;
  destroy(): void;
}

export function thresholdGraph(height: number): ThresholdGraph {
  const box = h('div', { class: 'mon-graph' });
  const legend = h('div', { class: 'mon-threshold-legend', 'aria-label': 'Thresholds' });
  const el = h('div', { class: 'mon-graph-wrap' }, box, legend);
  let plot: uPlot | null = null;
  let ro: ResizeObserver | null = null;

  const clear = () => {
    ro?.disconnect();
    ro = null;
    plot?.destroy();
    plot = null;
    box.replaceChildren();
    legend.replaceChildren();
  };

  return {
    el,
    clear,
    destroy: clear,
    show(data, lines, markers = []) {
      clear();
      legend.replaceChildren(
        ...lines.map((l) =>
          h('span', { class: `mon-threshold-key t-${l.kind}` }, h('span', { class: 'mon-threshold-swatch', style: `border-top-color:${l.color};border-top-style:${l.dash[0] > 3 ? 'dashed' : 'dotted'}` }), l.label),
        ),
        ...(markers.length
          ? [h(
              'span',
              { class: 'mon-threshold-key mon-event-key', title: markers.map((m) => `${new Date(m.time * 1000).toLocaleString()}  ${m.label}`).join('\n') },
              h('span', { class: 'mon-event-swatch' }),
              `${markers.length} state change${markers.length === 1 ? '' : 's'} (events)`,
            )]
          : []),
      );
      if (data.times.length === 0) {
        box.append(h('div', { class: 'empty' }, 'No data for this query in the time range.'));
        return;
      }
      const stroke = cssVar('--muted');
      const grid = { stroke: cssVar('--grid'), width: 1 };
      const range = yRange(
        data.lines.flatMap((l) => l.values),
        lines,
      );
      const opts: uPlot.Options = {
        width: Math.max(200, box.clientWidth || 600),
        height,
        axes: [
          { stroke, grid, ticks: grid },
          { stroke, grid, ticks: grid, size: 60 },
        ],
        cursor: { points: { size: 6 } },
        legend: { live: true },
        scales: {
          // The x range reaches the markers, so a change after the last point still shows.
          x: markers.length
            ? { time: true, range: (_u: uPlot, min: number, max: number): uPlot.Range.MinMax => [Math.min(min, markers[0].time), Math.max(max, markers[markers.length - 1].time + 1)] }
            : { time: true },
          y: range ? { range: () => range } : {},
        },
        series: [
          { label: 'Time' },
          ...data.lines.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 2, spanGaps: true, points: { show: data.times.length < 60 } })),
        ],
        hooks: {
          draw: [
            (u: uPlot) => {
              const ctx = u.ctx;
              ctx.save();
              for (const l of lines) {
                const y = Math.round(u.valToPos(l.value, 'y', true)) + 0.5;
                if (y < u.bbox.top - 1 || y > u.bbox.top + u.bbox.height + 1) continue;
                ctx.strokeStyle = l.color;
                ctx.lineWidth = 2 * uPlot.pxRatio;
                ctx.setLineDash(l.dash.map((d) => d * uPlot.pxRatio));
                ctx.beginPath();
                ctx.moveTo(u.bbox.left, y);
                ctx.lineTo(u.bbox.left + u.bbox.width, y);
                ctx.stroke();
              }
              // State-change events: a vertical line in the colour of the state entered,
              // with a flag at the top.
              const top = u.bbox.top;
              const bottom = u.bbox.top + u.bbox.height;
              for (const m of markers) {
                const x = Math.round(u.valToPos(m.time, 'x', true)) + 0.5;
                if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
                ctx.strokeStyle = m.color;
                ctx.fillStyle = m.color;
                ctx.globalAlpha = 0.85;
                ctx.lineWidth = 1.5 * uPlot.pxRatio;
                ctx.setLineDash([4 * uPlot.pxRatio, 3 * uPlot.pxRatio]);
                ctx.beginPath();
                ctx.moveTo(x, top);
                ctx.lineTo(x, bottom);
                ctx.stroke();
                ctx.setLineDash([]);
                const s = 5 * uPlot.pxRatio;
                ctx.beginPath();
                ctx.moveTo(x - s, top);
                ctx.lineTo(x + s, top);
                ctx.lineTo(x, top + s * 1.4);
                ctx.closePath();
                ctx.fill();
                ctx.globalAlpha = 1;
              }
              ctx.restore();
            },
          ],
        },
      };
      plot = new uPlot(opts, [data.times, ...data.lines.map((l) => l.values)] as uPlot.AlignedData, box);
      const p = plot;
      ro = new ResizeObserver(() => p.setSize({ width: Math.max(200, box.clientWidth), height }));
      ro.observe(box);
    },
  };
}
