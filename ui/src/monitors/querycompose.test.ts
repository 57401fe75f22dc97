import { describe, expect, it } from 'vitest';
import { composeQuery, emptyComposed, guessKind, parseMonitorQuery } from './querycompose';

describe('monitor query composition', () => {
  it('composes a metric monitor from the form', () => {
    const c = emptyComposed('metric');
    c.metric.query = 'avg:cpu{env:prod} by {host}';
    c.threshold = 90;
    expect(composeQuery(c)).toBe('avg(last_5m):avg:cpu{env:prod} by {host} > 90');
    c.metric.change = 'pct_change';
    c.metric.window = '15m';
    c.comparator = '<';
    c.threshold = -25.5;
    expect(composeQuery(c)).toBe('pct_change(avg(last_15m),last_1h):avg:cpu{env:prod} by {host} < -25.5');
  });

  it('composes log and trace-analytics monitors', () => {
    const c = emptyComposed('logs');
    c.event.search = 'status:error';
    c.event.by = ['service'];
    c.threshold = 100;
    expect(composeQuery(c)).toBe('logs("status:error").index("*").rollup("count").by("service").last("5m") > 100');
    const t = emptyComposed('trace-analytics');
    t.event.search = 'service:web @http.status_code:>=500';
    t.event.rollup = 'avg';
    t.event.measure = '@duration';
    t.event.by = ['resource_name', 'env'];
    t.comparator = '>=';
    t.threshold = 5;
    expect(composeQuery(t)).toBe('trace-analytics("service:web @http.status_code:>=500").rollup("avg", "@duration").by("resource_name,env").last("5m") >= 5');
  });

  it('leaves the condition out until there is a threshold', () => {
    const c = emptyComposed('metric');
    c.metric.query = 'avg:cpu{*}';
    expect(composeQuery(c)).toBe('avg(last_5m):avg:cpu{*}');
    expect(composeQuery(emptyComposed('metric'))).toBe('');
  });

  it.each([
    ['metric', 'avg(last_5m):avg:cpu{env:prod} by {host} > 90'],
    ['metric', 'max(last_1h):sum:requests{service:web,env:prod}.as_count() >= 1000'],
    ['metric', 'change(avg(last_5m),last_1h):sum:orders{*}.as_count() < -50'],
    ['metric', 'pct_change(avg(last_5m),last_1d):avg:cpu{*} by {host} > 20'],
    ['logs', 'logs("status:error").index("*").rollup("count").by("service").last("5m") > 100'],
    ['logs', 'logs("service:web status:error").index("main").rollup("avg", "@duration").by("service,host").last("15m") > 2.5'],
    ['logs', 'logs("message:\\"a \\\\ b\\"").index("*").rollup("count").last("1h") <= 0'],
    ['trace-analytics', 'trace-analytics("service:web @http.status_code:>=500").rollup("count").by("resource_name").last("5m") > 5'],
    ['trace-analytics', 'trace-analytics("*").rollup("pc99", "@duration").last("5m") > 3000000000'],
    ['rum', 'rum("@type:resource @resource.status_code:>=500").rollup("count").by("@view.name").last("5m") > 100'],
    ['rum', 'rum("@type:view").rollup("pc90", "@view.loading_time").last("15m") > 3000000000'],
    ['composite', '(12 && 14) || !15'],
  ] as const)('parses %s back to what composes it: %s', (kind, text) => {
    const c = parseMonitorQuery(text, kind);
    expect(c).not.toBeNull();
    expect(composeQuery(c!)).toBe(text);
  });

  it('reads the parts of a change monitor and of a measure rollup', () => {
    const c = parseMonitorQuery('change(max(last_15m),last_4h):avg:cpu{*} > 3', 'metric')!;
    expect(c.metric).toEqual({ change: 'change', timeAggregation: 'max', window: '15m', changeWindow: '4h', query: 'avg:cpu{*}' });
    expect(c.threshold).toBe(3);
    const l = parseMonitorQuery('logs("*").rollup("avg", "@duration").by("service", "host").last("5m") < 1', 'logs')!;
    expect(l.event).toMatchObject({ rollup: 'avg', measure: '@duration', by: ['service', 'host'], window: '5m' });
    expect(l.comparator).toBe('<');
  });

  it('reads a query without a threshold while it is typed', () => {
    const c = parseMonitorQuery('avg(last_5m):avg:cpu{*}', 'metric')!;
    expect(c.threshold).toBeNull();
    expect(c.metric.query).toBe('avg:cpu{*}');
  });

  it('refuses what the form cannot show', () => {
    expect(parseMonitorQuery('avg:cpu{*} > 3', 'metric')).toBeNull();
    expect(parseMonitorQuery('logs("x").rollup(count) > 3', 'logs')).toBeNull();
    expect(parseMonitorQuery('logs("x").frobnicate("y") > 3', 'logs')).toBeNull();
    expect(parseMonitorQuery('trace-analytics("x").index("*").last("5m") > 1', 'trace-analytics')).toBeNull();
  });

  it('guesses the kind of a typed query', () => {
    expect(guessKind('logs("x")')).toBe('logs');
    expect(guessKind('trace-analytics("x")')).toBe('trace-analytics');
    expect(guessKind('rum("@type:error")')).toBe('rum');
    expect(guessKind('(1 && 2)')).toBe('composite');
    expect(guessKind('avg(last_5m):x{*} > 1')).toBe('metric');
  });
});
