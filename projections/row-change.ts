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

/** The row itself, once checked: every column present with a value it can hold (malformed event data fails here). */
export function conform(table: TableSpec, row: Row): Row {
  for (const c of table.columns) {
    const v = row[c.name];
    const ok =
      v === null || v === undefined
        ? c.nullable === true
        : c.type === 'text'
          ? typeof v === 'string'
          : c.type === 'integer'
            ? Number.isSafeInteger(v)
            : c.type === 'real'
              ? typeof v === 'number' && Number.isFinite(v)
              : c.type === 'boolean'
                ? typeof v === 'boolean'
                : isInstant(v);
    if (!ok) throw new Error(`${table.name}.${c.name} cannot hold ${JSON.stringify(v)} (${c.type}${c.nullable ? ', nullable' : ''})`);
    if (v === undefined) row[c.name] = null;
  }
  if (Object.keys(row).length !== table.columns.length) {
    const known = new Set(table.columns.map((c) => c.name));
    throw new Error(`${table.name} has no column ${Object.keys(row).find((name) => !known.has(name))}`);
  }
  return row;
}

const sameCells = (table: TableSpec, a: Row, b: Row) =>
  table.columns.every((c) => c.name === 'last_position' || c.name === 'updated_at' || a[c.name] === b[c.name]);

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
      return conform(table, values);
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
