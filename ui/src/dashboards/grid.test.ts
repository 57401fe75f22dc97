import { describe, expect, it } from 'vitest';
import { bottom, cellAt, collides, move, place, resize, settle, type GridItem } from './grid';

const it4 = (id: number, x: number, y: number, w = 4, h = 2): GridItem => ({ id, x, y, w, h });
const overlapFree = (items: GridItem[]) => items.every((a) => items.every((b) => !collides(a, b)));

describe('grid', () => {
  it('detects overlap only when boxes share area', () => {
    expect(collides(it4(1, 0, 0), it4(2, 4, 0))).toBe(false);
    expect(collides(it4(1, 0, 0), it4(2, 3, 1))).toBe(true);
    expect(collides(it4(1, 0, 0), it4(2, 0, 2))).toBe(false);
  });
  it('settles overlapping items without overlap and fills gaps upward', () => {
    const out = settle([it4(1, 0, 0), it4(2, 0, 0), it4(3, 4, 5)]);
    expect(overlapFree(out)).toBe(true);
    expect(out.map((i) => [i.x, i.y])).toEqual([
      [0, 0],
      [0, 2],
      [4, 0],
    ]);
  });
  it('pushes what a moved item lands on below it', () => {
    const items = [it4(1, 0, 0), it4(2, 4, 0), it4(3, 4, 2)];
    const out = move(items, 1, 4, 0);
    expect(out.find((i) => i.id === 1)).toMatchObject({ x: 4, y: 0 });
    expect(out.find((i) => i.id === 2)).toMatchObject({ x: 4, y: 2 });
    expect(out.find((i) => i.id === 3)).toMatchObject({ x: 4, y: 4 });
    expect(overlapFree(out)).toBe(true);
  });
  it('swaps with the item below when moved down onto it', () => {
    const out = move([it4(1, 0, 0), it4(2, 0, 2)], 1, 0, 2);
    expect(out.find((i) => i.id === 2)).toMatchObject({ y: 0 });
    expect(out.find((i) => i.id === 1)).toMatchObject({ y: 2 });
  });
  it('keeps items inside the 12 columns', () => {
    const out = move([it4(1, 0, 0)], 1, 11, 0);
    expect(out[0]).toMatchObject({ x: 8, w: 4 });
    const big = resize([it4(1, 6, 0)], 1, 20, 3);
    expect(big[0]).toMatchObject({ x: 6, w: 6, h: 3 });
  });
  it('reflows neighbours when an item grows', () => {
    const items = [it4(1, 0, 0), it4(2, 4, 0), it4(3, 0, 2)];
    const out = resize(items, 1, 8, 3);
    expect(out.find((i) => i.id === 1)).toMatchObject({ w: 8, h: 3 });
    expect(out.find((i) => i.id === 2)).toMatchObject({ x: 4, y: 3 });
    expect(out.find((i) => i.id === 3)).toMatchObject({ x: 0, y: 3 });
    expect(overlapFree(out)).toBe(true);
  });
  it('places a new item in the first free spot', () => {
    expect(place([it4(1, 0, 0), it4(2, 4, 0)], 4, 2)).toEqual({ x: 8, y: 0 });
    expect(place([it4(1, 0, 0), it4(2, 4, 0), it4(3, 8, 0)], 6, 2)).toEqual({ x: 0, y: 2 });
    expect(bottom([it4(1, 0, 0), it4(2, 4, 3)])).toBe(5);
  });
  it('maps a pointer position to a cell', () => {
    // 12 columns of 100px with 10px gaps: 1310px wide.
    expect(cellAt(0, 0, 1310, 100, 10)).toEqual({ x: 0, y: 0 });
    expect(cellAt(225, 115, 1310, 100, 10)).toEqual({ x: 2, y: 1 });
    expect(cellAt(5000, 50, 1310, 100, 10)).toEqual({ x: 11, y: 0 });
  });
});
