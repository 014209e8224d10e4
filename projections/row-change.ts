import { isIsoInstant, normalizeInstant } from '../src/shared/time.js';
import type { Cell, ProjectedEvent, Row, RowChange, TableSpec } from './projection.js';
import { ProjectionError } from './projection.js';

/** The canonical instant form every stored time has (`Date#toISOString`): checked without parsing. */
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const isInstant = (v: Cell): boolean => typeof v === 'string' && (CANONICAL_INSTANT.test(v) || isIsoInstant(v));

/** Decimal positions compared as numbers, without parsing: longer is larger, else lexicographic. */
export function positionAtOrBefore(a: string, b: string): boolean {
  return a.length < b.length || (a.length === b.length && a <= b);
}

/** Whether a value fits a column: the check `conform` makes of every cell. */
function fits(c: TableSpec['columns'][number], v: Cell | undefined): boolean {
  if (v === null || v === undefined) return c.nullable === true;
  switch (c.type) {
    case 'text':
      return typeof v === 'string';
    case 'integer':
      return Number.isSafeInteger(v);
    case 'real':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'timestamp':
      return isInstant(v);
  }
}

/**
 * The row itself, once checked: every column present with a value it can hold (malformed event
 * data fails here). With `before` (a row already checked), the cells equal to it are taken as
 * they are: only what the event changed is checked again.
 */
export function conform(table: TableSpec, row: Row, before?: Row): Row {
  for (const c of table.columns) {
    const v = row[c.name];
    if (before !== undefined && v === before[c.name]) continue;
    if (!fits(c, v)) throw new Error(`${table.name}.${c.name} cannot hold ${JSON.stringify(v)} (${c.type}${c.nullable ? ', nullable' : ''})`);
    if (v === undefined) row[c.name] = null;
  }
  let count = 0;
  for (const _ in row) count++;
  if (count !== table.columns.length) {
    const known = new Set(table.columns.map((c) => c.name));
    throw new Error(`${table.name} has no column ${Object.keys(row).find((name) => !known.has(name))}`);
  }
  return row;
}

/** Whether two rows hold the same cells, their last_position and updated_at aside. */
function sameCells(table: TableSpec, a: Row, b: Row): boolean {
  for (const c of table.columns) {
    if (a[c.name] !== b[c.name] && c.name !== 'last_position' && c.name !== 'updated_at') return false;
  }
  return true;
}

/**
 * One row change: `next` maps the current row (undefined: none yet) to the new one, or to
 * undefined for "leave it as it is" — an absent row then stays absent. A row never moves back:
 * an event at or before its last_position is already in it, so a redelivered event changes
 * nothing. The row gets the event's position and time as last_position and updated_at. `next`
 * returns `current` itself or a new object, never another stored row.
 */
export function change(table: TableSpec, key: Cell[], event: ProjectedEvent, next: (current: Row | undefined) => Row | undefined): RowChange {
  return {
    table: table.name,
    key,
    apply(current) {
      if (current && positionAtOrBefore(event.position, String(current.last_position))) return current;
      const values = next(current);
      if (values === undefined || values === current || (current && sameCells(table, values, current))) return current;
      // `values` is a new row (next never hands back a stored one): completed in place.
      values.last_position = event.position;
      values.updated_at = canonicalInstant(event.recordedAt);
      return conform(table, values, current);
    },
  };
}

function canonicalInstant(value: string): string {
  return CANONICAL_INSTANT.test(value) ? value : normalizeInstant(value);
}

/** The event's recorded time in canonical form; a projection cannot read an event without one. */
export function recordedAt(projection: string, event: ProjectedEvent): string {
  if (!isInstant(event.recordedAt)) throw new ProjectionError(projection, event, `recordedAt ${JSON.stringify(event.recordedAt)} is not an ISO-8601 instant`);
  return canonicalInstant(event.recordedAt);
}

/** A key field of the event's data: a non-empty string. */
export function keyOf(projection: string, event: ProjectedEvent, value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw new ProjectionError(projection, event, `${field} must be a non-empty string`);
  return value;
}
