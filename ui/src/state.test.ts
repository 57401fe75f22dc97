import { describe, expect, it } from 'vitest';
import { decodeState, defaultState, encodeState, resolveRange, spanMs } from './state';

describe('URL state', () => {
  it('round-trips every part of a view', () => {
    const s = defaultState('/logs');
    s.query = 'service:web status:(error OR warn) "a b"';
    s.range = { kind: 'relative', span: '4h' };
    s.live = false;
    s.selected = 'AAAB';
    const url = new URL(encodeState(s), 'http://x');
    expect(decodeState(url.pathname, url.search)).toEqual(s);
  });

  it('keeps absolute ranges and makes them not live', () => {
    const url = new URL('http://x/metric/explorer?q=avg%3Acpu%7B*%7D&from=1000&to=2000');
    const s = decodeState(url.pathname, url.search);
    expect(s.range).toEqual({ kind: 'absolute', from: 1000, to: 2000 });
    expect(s.live).toBe(false);
    expect(s.query).toBe('avg:cpu{*}');
    expect(encodeState(s)).toBe('/metric/explorer?q=avg%3Acpu%7B*%7D&from=1000&to=2000&live=0');
  });

  it('falls back to defaults on nonsense', () => {
    const s = decodeState('/', '?t=forever&from=5&to=1');
    expect(s.page).toBe('/metric/explorer');
    expect(s.range).toEqual({ kind: 'relative', span: '1h' });
    expect(s.live).toBe(true);
    expect(encodeState(defaultState('/logs'))).toBe('/logs?t=1h');
  });

  it('resolves relative ranges against now', () => {
    expect(spanMs('15m')).toBe(900_000);
    expect(resolveRange({ kind: 'relative', span: '1d' }, 100_000_000)).toEqual({ from: 100_000_000 - 86_400_000, to: 100_000_000 });
    expect(() => spanMs('x')).toThrow();
  });
});

describe('trace explorer URL state', () => {
  it('round-trips list mode, sort, trace view and span tab', () => {
    const s = defaultState('/apm/traces');
    s.query = 'service:shop @http.status_code:>=500';
    s.list = 'traces';
    s.sort = '-duration';
    const url = new URL(encodeState(s), 'http://x');
    expect(url.searchParams.get('list')).toBe('traces');
    expect(url.searchParams.get('sort')).toBe('-duration');
    expect(decodeState(url.pathname, url.search)).toEqual(s);

    const t = defaultState('/apm/traces/abc');
    t.selected = '4aba1a9220b0531e';
    t.view = 'flame';
    t.tab = 'errors';
    const url2 = new URL(encodeState(t), 'http://x');
    expect(decodeState(url2.pathname, url2.search)).toEqual(t);
  });

  it('leaves defaults out of the URL and ignores unknown values', () => {
    expect(encodeState(defaultState('/apm/traces'))).toBe('/apm/traces?t=1h');
    const s = decodeState('/apm/traces', '?list=tables&sort=size&view=pie&tab=secrets');
    expect(s.list).toBe('spans');
    expect(s.sort).toBe('');
    expect(s.view).toBe('waterfall');
    expect(s.tab).toBe('tags');
  });

  it('reads old links without the new parameters', () => {
    const s = decodeState('/logs', '?q=service%3Aweb&t=4h&sel=AAAB');
    expect(s).toEqual({ ...defaultState('/logs'), query: 'service:web', range: { kind: 'relative', span: '4h' }, selected: 'AAAB' });
  });
});
