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
