// The history timeline: one band per group, coloured by its state over the range.
import { h } from '../dom';
import { Segment, STATUS_COLOR, statusClass } from './model';

function tickStep(spanMs: number): number {
  const steps = [60e3, 5 * 60e3, 15 * 60e3, 30 * 60e3, 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 86400e3, 7 * 86400e3];
  return steps.find((s) => spanMs / s <= 8) ?? 7 * 86400e3;
}

function tickLabel(ms: number, spanMs: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  const hm = `${p(d.getHours())}:${p(d.getMinutes())}`;
  return spanMs > 86400e3 ? `${d.getMonth() + 1}/${d.getDate()} ${hm}` : hm;
}

export function timeline(bands: Map<string, Segment[]>, from: number, to: number): HTMLElement {
  const span = to - from;
  const pct = (t: number) => `${(((t - from) / span) * 100).toFixed(3)}%`;
  const axis = h('div', { class: 'mon-tl-axis' });
  const step = tickStep(span);
  for (let t = Math.ceil(from / step) * step; t < to; t += step) axis.append(h('span', { class: 'mon-tl-tick', style: `left:${pct(t)}` }, tickLabel(t, span)));
  const rows = [...bands].map(([group, segs]) =>
    h(
      'div',
      { class: 'mon-tl-row', 'data-group': group },
      h('div', { class: 'mon-tl-group', title: group }, group || '(all)'),
      h(
        'div',
        { class: 'mon-tl-band' },
        ...segs.map((s) =>
          h('span', {
            class: `mon-tl-seg s-${statusClass(s.status)}`,
            'data-status': s.status,
            style: `left:${pct(s.from)};width:${(((s.to - s.from) / span) * 100).toFixed(3)}%;background:${STATUS_COLOR[statusClass(s.status)] ?? STATUS_COLOR.unknown}`,
            title: `${s.status}: ${new Date(s.from).toLocaleString()} – ${new Date(s.to).toLocaleString()}`,
          }),
        ),
      ),
    ),
  );
  return h('div', { class: 'mon-timeline' }, ...rows, h('div', { class: 'mon-tl-row mon-tl-axis-row' }, h('div', { class: 'mon-tl-group' }), axis));
}
