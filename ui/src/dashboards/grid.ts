// The 12-column grid of an "ordered" dashboard: widgets never overlap, and whatever a
// moved or resized widget lands on is pushed below it, the rest rising to fill gaps.
import { COLUMNS } from './model';

export interface GridItem {
  id: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

export function collides(a: GridItem, b: GridItem): boolean {
  return a.id !== b.id && a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

function clampItem(it: GridItem): GridItem {
  const w = Math.max(1, Math.min(COLUMNS, Math.round(it.w)));
  const h = Math.max(1, Math.round(it.h));
  const x = Math.max(0, Math.min(COLUMNS - w, Math.round(it.x)));
  const y = Math.max(0, Math.round(it.y));
  return { id: it.id, x, y, w, h };
}

// Lays items out without overlap: `fixedId` keeps its place, the others, in reading
// order, each take the highest free row at their column. Returns them in input order.
export function settle(items: GridItem[], fixedId?: number): GridItem[] {
  const clamped = items.map(clampItem);
  const placed: GridItem[] = [];
  const fixed = clamped.find((i) => i.id === fixedId);
  if (fixed) placed.push(fixed);
  const rest = clamped.filter((i) => i !== fixed).sort((a, b) => a.y - b.y || a.x - b.x);
  for (const it of rest) {
    const cand = { ...it, y: 0 };
    while (placed.some((p) => collides(cand, p))) cand.y++;
    placed.push(cand);
  }
  const byId = new Map(placed.map((p) => [p.id, p]));
  return clamped.map((i) => byId.get(i.id)!);
}

export function move(items: GridItem[], id: number, x: number, y: number): GridItem[] {
  return settle(
    items.map((i) => (i.id === id ? { ...i, x, y } : i)),
    id,
  );
}

export function resize(items: GridItem[], id: number, w: number, h: number): GridItem[] {
  return settle(
    items.map((i) => (i.id === id ? { ...i, w: Math.min(w, COLUMNS - i.x), h } : i)),
    id,
  );
}

// Where a new w×h item goes: the first free spot in reading order.
export function place(items: GridItem[], w: number, h: number): { x: number; y: number } {
  const width = Math.min(COLUMNS, Math.max(1, w));
  for (let y = 0; ; y++) {
    for (let x = 0; x + width <= COLUMNS; x++) {
      const cand = { id: -1, x, y, w: width, h };
      if (!items.some((i) => collides(cand, i))) return { x, y };
    }
  }
}

export function bottom(items: GridItem[]): number {
  return items.reduce((m, i) => Math.max(m, i.y + i.h), 0);
}

// The grid cell under a point, from the grid's box and the pointer's offset into it.
export function cellAt(px: number, py: number, width: number, rowHeight: number, gap: number): { x: number; y: number } {
  const colW = (width + gap) / COLUMNS;
  return { x: Math.max(0, Math.min(COLUMNS - 1, Math.floor(px / colW))), y: Math.max(0, Math.floor(py / (rowHeight + gap))) };
}
