import type { SchemaObject } from '@nestjs/swagger';
import type { ColumnType, TableSpec } from '../../../projections/projection.js';
import { camel } from '../row-json.js';

const COLUMN_SCHEMA: Record<ColumnType, SchemaObject> = {
  text: { type: 'string' },
  integer: { type: 'integer' },
  real: { type: 'number' },
  boolean: { type: 'boolean' },
  timestamp: { type: 'string', format: 'date-time' },
};

export const POSITION: SchemaObject = {
  type: 'string',
  nullable: true,
  description: 'Global position the read model had processed when it answered (decimal); null before it processed any event',
};

/** A read-model row as the API answers it: the table's columns in camelCase, described as in the README's table reference. */
export function rowSchema(table: TableSpec, extra: Record<string, SchemaObject> = {}): SchemaObject {
  const properties: Record<string, SchemaObject> = {};
  for (const c of table.columns) properties[camel(c.name)] = { ...COLUMN_SCHEMA[c.type], description: c.description, ...(c.nullable ? { nullable: true } : {}) };
  return {
    type: 'object',
    description: table.description,
    properties: { ...properties, ...extra },
    required: [...table.columns.map((c) => camel(c.name)), ...Object.keys(extra)],
  };
}

/** One row, with the position the read model answered at. */
export function oneSchema(row: SchemaObject): SchemaObject {
  return { ...row, properties: { ...row.properties, position: POSITION }, required: [...(row.required ?? []), 'position'] };
}

/** A page of rows: `{items, nextCursor, position}`. */
export function pageSchema(row: SchemaObject): SchemaObject {
  return {
    type: 'object',
    properties: {
      items: { type: 'array', items: row },
      nextCursor: { type: 'string', nullable: true, description: 'Pass as cursor for the next page; null on the last page' },
      position: POSITION,
    },
    required: ['items', 'nextCursor', 'position'],
  };
}
