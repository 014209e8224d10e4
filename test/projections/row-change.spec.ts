import type { ProjectedEvent, Row, TableSpec } from '../../projections/projection.js';
import { change } from '../../projections/row-change.js';

const TABLE: TableSpec = {
  name: 'things',
  description: 'test rows',
  columns: [
    { name: 'id', type: 'text', description: '' },
    { name: 'amount_fen', type: 'integer', description: '' },
    { name: 'rate', type: 'real', description: '' },
    { name: 'done', type: 'boolean', description: '' },
    { name: 'due_at', type: 'timestamp', nullable: true, description: '' },
    { name: 'note', type: 'text', nullable: true, description: '' },
    { name: 'last_position', type: 'text', description: '' },
    { name: 'updated_at', type: 'timestamp', description: '' },
  ],
  primaryKey: ['id'],
};

const event = (position: number): ProjectedEvent => ({
  type: 'ThingHappened',
  schemaVersion: 1,
  stream: 'thing-1',
  revision: position - 1,
  position: String(position),
  recordedAt: `2026-03-01T10:00:0${position}.000Z`,
  eventId: `e${position}`,
  actor: { id: 'agent-1', role: 'agent' },
  data: {},
});

const base = { id: 't-1', amount_fen: 100, rate: 0.5, done: false, due_at: '2026-03-02T10:00:00.000Z', note: null };
const created = change(TABLE, ['t-1'], event(1), () => ({ ...base })).apply(undefined)!;
const next = (row: (current: Row) => Row, position = 2) => () => change(TABLE, ['t-1'], event(position), (current) => row(current!)).apply(created);

describe('a row change', () => {
  it('completes the row with the position and time of the event', () => {
    expect(created).toEqual({ ...base, last_position: '1', updated_at: '2026-03-01T10:00:01.000Z' });
  });

  it('refuses a cell its column cannot hold, naming the table and column, for a new row and for a changed cell', () => {
    expect(() => change(TABLE, ['t-1'], event(1), () => ({ ...base, amount_fen: 1.5 })).apply(undefined)).toThrow('things.amount_fen cannot hold 1.5 (integer)');
    expect(next((r) => ({ ...r, amount_fen: '100' }))).toThrow('things.amount_fen cannot hold "100" (integer)');
    expect(next((r) => ({ ...r, rate: Number.NaN }))).toThrow('things.rate cannot hold null (real)');
    expect(next((r) => ({ ...r, done: 1 }))).toThrow('things.done cannot hold 1 (boolean)');
    expect(next((r) => ({ ...r, due_at: 'tomorrow' }))).toThrow('things.due_at cannot hold "tomorrow" (timestamp, nullable)');
    expect(next((r) => ({ ...r, id: null }))).toThrow('things.id cannot hold null (text)');
  });

  it('refuses a column the table does not have, and a missing column that may not be null', () => {
    expect(next((r) => ({ ...r, amount_fen: 300, amout_fen: 5 }))).toThrow('things has no column amout_fen');
    expect(() => change(TABLE, ['t-1'], event(1), () => ({ id: 't-1', amount_fen: 1, rate: 0, due_at: null, note: null })).apply(undefined)).toThrow(
      'things.done cannot hold undefined (boolean)',
    );
  });

  it('fills a nullable column left out with null', () => {
    const { note: _note, ...withoutNote } = base;
    expect(change(TABLE, ['t-1'], event(1), () => ({ ...withoutNote })).apply(undefined)).toMatchObject({ note: null });
  });

  it('leaves the row as it is when no cell changes, and when the event is already in it', () => {
    expect(next((r) => ({ ...r }))()).toBe(created);
    expect(next((r) => ({ ...r, amount_fen: 200 }), 1)()).toBe(created);
    expect(next((r) => ({ ...r, amount_fen: 200 }))()).toEqual({ ...created, amount_fen: 200, last_position: '2', updated_at: '2026-03-01T10:00:02.000Z' });
  });
});
