import { describe, expect, it } from 'vitest';
import { filterMonitors, parseListSearch, statusCounts, thresholdLines, timelineSegments, toggleStatus, yRange } from './model';

describe('threshold lines', () => {
  it('draws critical and warning dashed, recoveries dotted, and skips what is unset', () => {
    const lines = thresholdLines({ critical: 90, warning: 80, critical_recovery: null }, '>');
    expect(lines.map((l) => [l.kind, l.value, l.label])).toEqual([
      ['critical', 90, 'Alert > 90'],
      ['warning', 80, 'Warn > 80'],
    ]);
    expect(lines[0].color).not.toBe(lines[1].color);
    expect(lines[0].dash.length).toBe(2);
    expect(thresholdLines({ critical: 1, warning_recovery: 3 }, '<').map((l) => l.kind)).toEqual(['critical', 'warning_recovery']);
  });

  it('widens the y range to show the lines', () => {
    const lines = thresholdLines({ critical: 90 }, '>');
    const [lo, hi] = yRange([10, 20, null], lines)!;
    expect(lo).toBeLessThan(10);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeGreaterThan(90);
    expect(yRange([], [])).toBeNull();
  });
});

describe('monitor list', () => {
  const monitors = [
    { id: 1, name: 'CPU high', type: 'query alert', tags: ['team:a'], overall_state: 'Alert' },
    { id: 2, name: 'Errors', type: 'log alert', tags: ['team:b'], overall_state: 'OK' },
    { id: 3, name: 'cpu low', type: 'query alert', tags: ['team:a', 'env:prod'], overall_state: 'No Data' },
  ];

  it('counts per status', () => {
    expect(statusCounts(monitors)).toEqual({ Alert: 1, Warn: 0, 'No Data': 1, OK: 1, Skipped: 0 });
  });

  it('filters by status, name and tag', () => {
    expect(filterMonitors(monitors, parseListSearch('status:alert')).map((m) => m.id)).toEqual([1]);
    expect(filterMonitors(monitors, parseListSearch('cpu')).map((m) => m.id)).toEqual([1, 3]);
    expect(filterMonitors(monitors, parseListSearch('tag:team:a status:nodata')).map((m) => m.id)).toEqual([3]);
    expect(filterMonitors(monitors, parseListSearch('status:alert status:ok')).map((m) => m.id)).toEqual([1, 2]);
  });

  it('reads and toggles the search', () => {
    expect(parseListSearch('cpu tag:team:a status:no_data high')).toEqual({ text: 'cpu high', statuses: ['No Data'], tags: ['team:a'] });
    expect(toggleStatus('cpu', 'Alert')).toBe('status:alert cpu');
    expect(toggleStatus('status:alert cpu', 'Alert')).toBe('cpu');
  });
});

describe('history timeline', () => {
  const h = (timestamp: number, group: string, from: string, to: string) => ({ timestamp, group, from, to, value: 1 });

  it('cuts one band per group at its state changes', () => {
    const history = [h(700, 'host:a', 'Alert', 'OK'), h(300, 'host:a', 'OK', 'Alert'), h(500, 'host:b', 'OK', 'Warn')];
    const bands = timelineSegments(history, { 'host:a': 'OK', 'host:b': 'Warn', 'host:c': 'OK' }, 0, 1000);
    expect([...bands.keys()]).toEqual(['host:a', 'host:b', 'host:c']);
    expect(bands.get('host:a')).toEqual([
      { from: 0, to: 300, status: 'OK' },
      { from: 300, to: 700, status: 'Alert' },
      { from: 700, to: 1000, status: 'OK' },
    ]);
    expect(bands.get('host:b')).toEqual([
      { from: 0, to: 500, status: 'OK' },
      { from: 500, to: 1000, status: 'Warn' },
    ]);
    expect(bands.get('host:c')).toEqual([{ from: 0, to: 1000, status: 'OK' }]);
  });

  it('starts from the last change before the range and ignores later ones', () => {
    const history = [h(100, 'g', 'OK', 'Alert'), h(1500, 'g', 'Alert', 'OK')];
    expect(timelineSegments(history, { g: 'OK' }, 200, 1000).get('g')).toEqual([{ from: 200, to: 1000, status: 'Alert' }]);
  });

  it('switches to the current state where an edit restarted the states', () => {
    const history = [h(300, 'g', 'OK', 'Alert')];
    expect(timelineSegments(history, { g: 'OK' }, 0, 1000, 800).get('g')).toEqual([
      { from: 0, to: 300, status: 'OK' },
      { from: 300, to: 800, status: 'Alert' },
      { from: 800, to: 1000, status: 'OK' },
    ]);
    // A change after the edit is the history's own.
    expect(timelineSegments([h(900, 'g', 'OK', 'Alert')], { g: 'Alert' }, 0, 1000, 800).get('g')!.map((s) => s.status)).toEqual(['OK', 'Alert']);
  });

  it('merges neighbours in the same state', () => {
    const history = [h(300, 'g', 'OK', 'OK'), h(600, 'g', 'OK', 'Alert')];
    expect(timelineSegments(history, {}, 0, 1000).get('g')).toEqual([
      { from: 0, to: 600, status: 'OK' },
      { from: 600, to: 1000, status: 'Alert' },
    ]);
  });
});
