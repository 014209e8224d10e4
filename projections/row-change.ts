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

/** What a column can hold, as a JavaScript condition on `v` (a cell that is neither null nor undefined). */
const HOLDS: Record<TableSpec['columns'][number]['type'], string> = {
  text: "typeof v === 'string'",
  integer: 'Number.isSafeInteger(v)',
  real: "typeof v === 'number' && Number.isFinite(v)",
  boolean: "typeof v === 'boolean'",
  timestamp: 'isInstant(v)',
};

/** A plain SQL identifier, and not one JavaScript gives a meaning of its own (`__proto__`). */
const COLUMN_NAME = /^(?!__)[a-z_][a-z0-9_]*$/;

/**
 * `row.<column>` as JavaScript source, for code compiled over a table's columns: the name must be
 * a plain SQL identifier (as every TableSpec in this folder has), so the source holds nothing else.
 */
export function cellSource(table: TableSpec, column: string, row = 'row'): string {
  if (!COLUMN_NAME.test(column)) throw new Error(`${table.name}: column name ${JSON.stringify(column)} is not a plain SQL identifier`);
  return `${row}.${column}`;
}

/**
 * A table's row checks, compiled once per table into straight-line code over its column names:
 * reading `row[name]` in a loop over 30-40 names is a lookup by string each time, and these run
 * for every row change of every event. Column names come from the TableSpecs in this folder and
 * must be plain SQL identifiers, so the generated code holds nothing but them.
 */
interface RowShape {
  /** Index of the first column whose cell the row cannot hold, or -1; with `before` (a checked row), equal cells are not checked again. Fills nullable cells left undefined with null. */
  misfit(row: Row, before: Row | undefined): number;
  /** Whether two rows hold the same cells, last_position and updated_at aside. */
  same(a: Row, b: Row): boolean;
}

const shapes = new WeakMap<TableSpec, RowShape>();

function shapeOf(table: TableSpec): RowShape {
  let shape = shapes.get(table);
  if (shape) return shape;
  const misfit: string[] = ['let v;'];
  const same: string[] = [];
  table.columns.forEach((c, i) => {
    const cell = cellSource(table, c.name);
    const absent = c.nullable ? `if (v === undefined) ${cell} = null;` : `return ${i};`;
    misfit.push(`v = ${cell}; if (before === undefined || v !== ${cellSource(table, c.name, 'before')}) { if (v === null || v === undefined) { ${absent} } else if (!(${HOLDS[c.type]})) return ${i}; }`);
    if (c.name !== 'last_position' && c.name !== 'updated_at') same.push(`${cellSource(table, c.name, 'a')} === ${cellSource(table, c.name, 'b')}`);
  });
  misfit.push('return -1;');
  shape = {
    misfit: new Function('isInstant', `return function misfit(row, before) { ${misfit.join('\n')} };`)(isInstant) as RowShape['misfit'],
    same: new Function(`return function same(a, b) { return ${same.join(' && ') || 'true'}; };`)() as RowShape['same'],
  };
  shapes.set(table, shape);
  return shape;
}

/**
 * The row itself, once checked: every column present with a value it can hold (malformed event
 * data fails here). With `before` (a row already checked), the cells equal to it are taken as
 * they are: only what the event changed is checked again.
 */
export function conform(table: TableSpec, row: Row, before?: Row): Row {
  const bad = shapeOf(table).misfit(row, before);
  if (bad >= 0) {
    const c = table.columns[bad]!;
    throw new Error(`${table.name}.${c.name} cannot hold ${JSON.stringify(row[c.name])} (${c.type}${c.nullable ? ', nullable' : ''})`);
  }
  let count = 0;
  for (const _ in row) count++;
  if (count !== table.columns.length) {
    const known = new Set(table.columns.map((c) => c.name));
    throw new Error(`${table.name} has no column ${Object.keys(row).find((name) => !known.has(name))}`);
  }
  return row;
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
      if (values === undefined || values === current || (current && shapeOf(table).same(values, current))) return current;
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
