import type { ProjectedEvent, Projection, TableSpec } from '../../projections/projection.js';
import { change } from '../../projections/row-change.js';
import { RowSet } from '../../projections/row-set.js';

const META: TableSpec['columns'] = [
  { name: 'last_position', type: 'text', description: '' },
  { name: 'updated_at', type: 'timestamp', description: '' },
];
const HEADS: TableSpec = {
  name: 'heads',
  description: 'one row per order, changed by each of its events',
  columns: [{ name: 'id', type: 'text', description: '' }, { name: 'lines', type: 'integer', description: '' }, ...META],
  primaryKey: ['id'],
};
const LINES: TableSpec = {
  name: 'lines',
  description: 'written once each',
  columns: [{ name: 'id', type: 'text', description: '' }, { name: 'n', type: 'integer', description: '' }, ...META],
  primaryKey: ['id', 'n'],
};

/** An order's head row counts its lines; each line is a row of its own, never changed again. */
const orders: Projection = {
  name: 'orders',
  version: 1,
  tables: [HEADS, LINES],
  handles: ['Lined'],
  project: (event) => {
    const { id, n } = event.data as { id: string; n: number };
    return [
      change(LINES, [id, n], event, () => ({ id, n })),
      change(HEADS, [id], event, (current) => ({ id, lines: ((current?.lines as number | undefined) ?? 0) + 1 })),
    ];
  },
};

let position = 0;
const lined = (id: string, n: number): ProjectedEvent => {
  position++;
  return { type: 'Lined', schemaVersion: 1, stream: `order-${id}`, revision: n, position: String(position), recordedAt: '2026-01-01T00:00:00.000Z', eventId: `e${position}`, actor: { id: 'a', role: 'agent' }, data: { id, n } };
};

describe('the rows a projection keeps in memory', () => {
  it('lets go of the rows changed longest ago across its tables, keeping an order still changing over its older lines', () => {
    const rows = new RowSet(orders);
    // Order a gets a line now and then; orders b1..b9 one line each in between.
    rows.apply(lined('a', 1));
    for (let i = 1; i <= 9; i++) {
      rows.apply(lined(`b${i}`, 1));
      if (i % 3 === 0) rows.apply(lined('a', i));
    }
    rows.takeDirty();
    const forgotten: string[] = [];
    rows.evict(6, (table, key) => forgotten.push(`${table}:${key}`));
    expect(rows.size).toBe(6);
    // The head of a was changed by the newest event: it stays, while lines of b written after a's first line go.
    expect(rows.has('heads', 'a')).toBe(true);
    expect(forgotten).toContain('lines:["a",1]');
    expect(forgotten).toContain('heads:b1');
    expect([...rows.table('heads').keys()].sort()).toEqual(['a', 'b8', 'b9']);
    expect([...rows.table('lines').keys()].sort()).toEqual(['["a",9]', '["b8",1]', '["b9",1]']);
  });

  it('keeps rows not yet written however old they are, and forgets nothing below its target', () => {
    const rows = new RowSet(orders);
    for (let i = 1; i <= 5; i++) rows.apply(lined(`c${i}`, 1));
    rows.evict(4);
    expect(rows.size).toBe(10);
    rows.takeDirty();
    rows.apply(lined('c1', 2));
    rows.evict(4);
    // c1's head and its new line are dirty; of the clean rows the two newest (c5's) stay.
    expect([...rows.table('heads').keys()].sort()).toEqual(['c1', 'c5']);
    expect([...rows.table('lines').keys()].sort()).toEqual(['["c1",2]', '["c5",1]']);
    rows.evict(100);
    expect(rows.size).toBe(4);
  });
});
