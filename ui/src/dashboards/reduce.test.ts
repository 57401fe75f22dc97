import { describe, expect, it } from 'vitest';
import { aggregate, chooseFormat, fmtValue, heatmapBuckets, parseTop, pieSlices, queryValue, sortRows, tableRows, toplist, type Series } from './reduce';
import type { ConditionalFormat } from './model';

const s = (tags: string[], values: (number | null)[]): Series => ({
  metric: 'ui.cpu',
  scope: tags.join(',') || '*',
  tag_set: tags,
  pointlist: values.map((v, i) => [1000 * (i + 1), v]),
});

describe('query value', () => {
  it('aggregates the points it has', () => {
    const v = [1, null, 3, 8];
    expect(aggregate(v, 'avg')).toBe(4);
    expect(aggregate(v, 'last')).toBe(8);
    expect(aggregate(v, 'min')).toBe(1);
    expect(aggregate(v, 'max')).toBe(8);
    expect(aggregate(v, 'sum')).toBe(12);
    expect(aggregate([null, null], 'avg')).toBe(null);
  });
  it('sums groups per point before aggregating', () => {
    expect(queryValue([s(['host:a'], [1, 2]), s(['host:b'], [3, 4])], 'last')).toBe(6);
    expect(queryValue([], 'avg')).toBe(null);
  });
  it('chooses the first matching conditional format', () => {
    const f: ConditionalFormat[] = [
      { comparator: '>', value: 80, palette: 'white_on_red' },
      { comparator: '>=', value: 50, palette: 'white_on_yellow' },
      { comparator: '<', value: 50, palette: 'white_on_green' },
    ];
    expect(chooseFormat(90, f)?.palette).toBe('white_on_red');
    expect(chooseFormat(80, f)?.palette).toBe('white_on_yellow');
    expect(chooseFormat(50, f)?.palette).toBe('white_on_yellow');
    expect(chooseFormat(10, f)?.palette).toBe('white_on_green');
    expect(chooseFormat(null, f)).toBe(null);
    expect(chooseFormat(10, [{ comparator: '<=', value: 5, palette: 'x' }])).toBe(null);
  });
  it('formats numbers with precision and units', () => {
    expect(fmtValue(42.123, 1, '%')).toBe('42.1 %');
    expect(fmtValue(1234567)).toBe('1.23M');
    expect(fmtValue(45000)).toBe('45k');
    expect(fmtValue(null)).toBe('N/A');
    expect(fmtValue(3)).toBe('3');
  });
});

describe('top list, table and pie', () => {
  const series = [s(['host:web-1', 'env:prod'], [10, 20]), s(['host:db-1', 'env:prod'], [70, 80]), s(['host:web-2', 'env:dev'], [40, 50])];
  it('reads top() arguments', () => {
    expect(parseTop("top(avg:ui.cpu{*} by {host}, 10, 'mean', 'desc')")).toEqual({ limit: 10, by: 'mean', order: 'desc' });
    expect(parseTop('avg:ui.cpu{*} by {host}')).toBe(null);
  });
  it('ranks by the top() reducer and order', () => {
    expect(toplist(series, 'avg:ui.cpu{*} by {host}').map((r) => [r.label, r.value])).toEqual([
      ['host:db-1, env:prod', 75],
      ['host:web-2, env:dev', 45],
      ['host:web-1, env:prod', 15],
    ]);
    expect(toplist(series, "top(avg:ui.cpu{*} by {host}, 2, 'max', 'asc')").map((r) => r.value)).toEqual([20, 50]);
  });
  it('builds table rows with a column per group tag', () => {
    const t = tableRows(series, 'avg');
    expect(t.columns).toEqual(['host', 'env']);
    expect(t.rows[0]).toEqual({ groups: ['db-1', 'prod'], value: 75 });
    expect(tableRows(series, 'max', 'asc', 2).rows.map((r) => r.value)).toEqual([20, 50]);
    expect(sortRows(t, 0, 'asc').rows.map((r) => r.groups[0])).toEqual(['db-1', 'web-1', 'web-2']);
    expect(sortRows(t, 2, 'asc').rows.map((r) => r.value)).toEqual([15, 45, 75]);
  });
  it('makes pie slices as shares of the total', () => {
    const p = pieSlices(series);
    expect(p.map((x) => x.label)).toEqual(['host:db-1, env:prod', 'host:web-2, env:dev', 'host:web-1, env:prod']);
    expect(p.reduce((a, x) => a + x.fraction, 0)).toBeCloseTo(1);
    expect(p[0].fraction).toBeCloseTo(150 / 270);
    expect(pieSlices([s([], [0, 0])])).toEqual([]);
  });
});

describe('heatmap', () => {
  it('counts series per time and value bucket', () => {
    const h = heatmapBuckets([s(['a'], [0, 10]), s(['b'], [10, 5]), s(['c'], [null, 10])], 2)!;
    expect(h.times).toEqual([1000, 2000]);
    expect(h.min).toBe(0);
    expect(h.max).toBe(10);
    // t=1000: 0 → low bucket, 10 → top bucket; t=2000: 10, 5, 10 → 5 and 10 in the top.
    expect(h.counts).toEqual([
      [1, 1],
      [0, 3],
    ]);
    expect(h.maxCount).toBe(3);
  });
  it('handles a flat series and no data', () => {
    const h = heatmapBuckets([s(['a'], [5, 5])], 4)!;
    expect(h.counts.every((c) => c.reduce((a, b) => a + b, 0) === 1)).toBe(true);
    expect(heatmapBuckets([s(['a'], [null])])).toBe(null);
  });
});
