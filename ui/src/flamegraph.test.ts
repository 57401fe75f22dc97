import { describe, expect, it } from 'vitest';
import { clipLabel, flameLayout, serviceShares } from './flamegraph';

const sp = (span_id: string, parent_id: string, start: number, duration: number, service = 'web') => ({ span_id, parent_id, start, duration, service });

describe('flame graph layout', () => {
  it('puts children one row below their parent, x and width from start and duration', () => {
    const l = flameLayout([sp('c', 'r', 100, 200), sp('r', '0', 100, 1000), sp('g', 'c', 150, 50), sp('d', 'r', 600, 400)]);
    const by = Object.fromEntries(l.bars.map((b) => [b.span.span_id, b]));
    expect(l.depth).toBe(3);
    expect(l.t0).toBe(100);
    expect(l.total).toBe(1000);
    expect([by.r.depth, by.c.depth, by.g.depth, by.d.depth]).toEqual([0, 1, 2, 1]);
    expect(by.r).toMatchObject({ x: 0, w: 1, orphan: false });
    expect(by.c).toMatchObject({ x: 0, w: 0.2 });
    expect(by.g).toMatchObject({ x: 0.05, w: 0.05 });
    expect(by.d).toMatchObject({ x: 0.5, w: 0.4 });
  });

  it('places an orphan that overlaps the root tree below it, and one that does not at the top', () => {
    const l = flameLayout([sp('r', '', 0, 100), sp('c', 'r', 10, 50), sp('o', 'missing', 20, 10), sp('oc', 'o', 22, 5), sp('late', 'gone', 200, 50)]);
    const by = Object.fromEntries(l.bars.map((b) => [b.span.span_id, b]));
    expect(by.o).toMatchObject({ depth: 2, orphan: true });
    expect(by.oc).toMatchObject({ depth: 3, orphan: false });
    expect(by.late).toMatchObject({ depth: 0, orphan: true });
    expect(l.depth).toBe(4);
    expect(by.late.x).toBeCloseTo(0.8);
  });

  it('never lets siblings that run at once cover each other', () => {
    const l = flameLayout([sp('r', '0', 0, 100), sp('a', 'r', 0, 60), sp('a1', 'a', 0, 30), sp('b', 'r', 10, 20), sp('c', 'r', 60, 40)]);
    const by = Object.fromEntries(l.bars.map((b) => [b.span.span_id, b.depth]));
    // b overlaps a (row 1) and a1 (row 2), so it goes to row 3; c fits beside a.
    expect(by).toEqual({ r: 0, a: 1, a1: 2, b: 3, c: 1 });
    for (const x of l.bars) for (const y of l.bars) if (x !== y && x.depth === y.depth) expect(x.x + x.w <= y.x || y.x + y.w <= x.x).toBe(true);
  });

  it('survives empty traces, zero durations and cycles', () => {
    expect(flameLayout([]).bars).toEqual([]);
    const z = flameLayout([sp('a', '0', 5, 0)]);
    expect(z.total).toBe(1);
    expect(z.bars[0]).toMatchObject({ x: 0, w: 0 });
    const cyc = flameLayout([sp('a', 'b', 0, 10), sp('b', 'a', 0, 10)]);
    expect(cyc.bars.length).toBe(2);
  });

  it('lays out thousands of spans quickly', () => {
    const spans = [sp('root', '0', 0, 1e6)];
    for (let i = 0; i < 5000; i++) spans.push(sp(`s${i}`, i % 10 === 0 ? 'root' : `s${i - (i % 10)}`, i * 100, 90));
    const t = performance.now();
    const l = flameLayout(spans);
    expect(l.bars.length).toBe(5001);
    expect(l.depth).toBe(3);
    expect(performance.now() - t).toBeLessThan(500);
  });
});

describe('service time share', () => {
  it('counts the time a service spends itself, not waiting on children', () => {
    const shares = serviceShares([sp('r', '0', 0, 100, 'web'), sp('a', 'r', 10, 30, 'db'), sp('b', 'r', 30, 40, 'cache'), sp('c', 'r', 80, 10, 'db')]);
    // web: 100 minus the union [10,70] and [80,90] = 30; db: 30 + 10; cache: 40.
    expect(shares.map((s) => [s.service, s.ns])).toEqual([
      ['cache', 40],
      ['db', 40],
      ['web', 30],
    ]);
    expect(shares.map((s) => s.share.toFixed(3))).toEqual(['0.364', '0.364', '0.273']);
  });

  it('clips children that run past their parent', () => {
    const shares = serviceShares([sp('r', '0', 0, 50, 'web'), sp('a', 'r', 40, 100, 'queue')]);
    expect(shares.find((s) => s.service === 'web')!.ns).toBe(40);
    expect(shares.find((s) => s.service === 'queue')!.ns).toBe(100);
  });
});

describe('flame labels', () => {
  const measure = (s: string) => s.length * 7;
  it('keeps labels that fit and cuts the others', () => {
    expect(clipLabel('GET /a', 100, measure)).toBe('GET /a');
    expect(clipLabel('SELECT * FROM carts', 70, measure)).toBe('SELECT *…');
    expect(clipLabel('SELECT', 10, measure)).toBe('');
  });
});
