import { describe, expect, it } from 'vitest';
import { startNs, waterfallOrder } from './trace';

describe('trace waterfall', () => {
  it('keeps nanoseconds of start times', () => {
    const base = Date.parse('2026-11-22T08:00:00Z');
    expect(startNs('2026-11-22T08:00:00.000123456Z', base)).toBe(123456);
    expect(startNs('2026-11-22T08:00:01.5Z', base)).toBe(1_500_000_000);
    expect(startNs('2026-11-22T08:00:02Z', base)).toBe(2_000_000_000);
  });

  it('puts children under their parents, by start time', () => {
    const spans = [
      { span_id: 'c2', parent_id: 'r', start: 30 },
      { span_id: 'g', parent_id: 'c1', start: 15 },
      { span_id: 'r', parent_id: '0', start: 0 },
      { span_id: 'c1', parent_id: 'r', start: 10 },
      { span_id: 'orphan', parent_id: 'missing', start: 5 },
    ];
    expect(waterfallOrder(spans).map((x) => `${x.span.span_id}:${x.depth}`)).toEqual(['r:0', 'c1:1', 'g:2', 'c2:1', 'orphan:0']);
  });
});
