import { describe, expect, it } from 'vitest';
import { aggregateRequest, decodeLogView, defaultLogView, encodeLogView, rollupSeconds, sortRows, toRows, toSeries } from './logview';
import { decodeState, defaultState, encodeState } from './state';

describe('log analytics view', () => {
  it('round-trips through the URL and leaves old links as they were', () => {
    const s = defaultState('/logs');
    s.query = 'status:error';
    s.logView = { viz: 'table', agg: 'pc95', measure: '@duration', by: ['service', 'status'], limit: 25, rollup: '5m', sort: { col: 'service', desc: false } };
    const url = new URL(encodeState(s), 'http://x');
    expect(decodeState(url.pathname, url.search)).toEqual(s);
    expect(encodeState(defaultState('/logs'))).toBe('/logs?t=1h');
    expect(decodeState('/logs', '?q=a&t=1h').logView).toEqual(defaultLogView());
  });

  it('ignores parameters it does not know', () => {
    const v = decodeLogView(new URLSearchParams('viz=pie&agg=pc50:@duration&top=7&roll=soon&by=a,b,c'));
    expect(v.viz).toBe('list');
    expect(v.agg).toBe('count');
    expect(v.limit).toBe(10);
    expect(v.rollup).toBe('auto');
    expect(v.by).toEqual(['a', 'b']);
    const p = new URLSearchParams();
    encodeLogView(defaultLogView(), p);
    expect(p.toString()).toBe('');
  });

  it('builds the aggregate request from the view', () => {
    const v = { ...defaultLogView(), viz: 'toplist' as const, by: ['service'], limit: 5 };
    expect(aggregateRequest(v, '', 1000, 61000)).toEqual({
      compute: [{ aggregation: 'count', type: 'total' }],
      filter: { query: '*', from: '1000', to: '61000' },
      group_by: [{ facet: 'service', limit: 5 }],
    });
    const ts = { ...v, viz: 'timeseries' as const, agg: 'avg', measure: '@duration', rollup: '5m' };
    expect(aggregateRequest(ts, 'service:web', 0, 3600e3).compute).toEqual([{ aggregation: 'avg', metric: '@duration', type: 'timeseries', interval: '300s' }]);
    expect(rollupSeconds('auto', 0, 3600e3)).toBe(60);
  });

  it('turns buckets into sorted rows and into series', () => {
    const buckets = [
      { by: { service: 'db', status: 'info' }, computes: { c0: 5 } },
      { by: { service: 'web', status: 'error' }, computes: { c0: 9 } },
      { by: { service: 'api', status: 'info' }, computes: { c0: 5 } },
    ];
    const rows = toRows(buckets, ['service', 'status']);
    expect(rows.map((r) => r.label)).toEqual(['web · error', 'api · info', 'db · info']);
    expect(sortRows(rows, { col: 'service', desc: false }).map((r) => r.by.service)).toEqual(['api', 'db', 'web']);
    expect(sortRows(rows, { col: 'value', desc: false })[2].value).toBe(9);
    const { times, series } = toSeries(
      [{ by: { service: 'web' }, computes: { c0: [{ time: '1970-01-01T00:01:00.000Z', value: 3 }, { time: 180000, value: 4 }] } }],
      ['service'],
      0,
      180000,
      60,
    );
    expect(times).toEqual([0, 60, 120, 180]);
    expect(series).toEqual([{ label: 'web', by: { service: 'web' }, values: [null, 3, null, 4] }]);
    const counts = toSeries([{ by: {}, computes: { c0: [{ time: 60000, value: 2 }] } }], [], 0, 120000, 60, 0);
    expect(counts.series).toEqual([{ label: 'all logs', by: {}, values: [0, 2, 0] }]);
  });
});
