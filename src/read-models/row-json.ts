import type { Row } from '../../projections/projection.js';

const camelNames = new Map<string, string>();

/** `first_time_fix_rate` -> `firstTimeFixRate`, worked out once per column name. */
export function camel(column: string): string {
  let name = camelNames.get(column);
  if (name === undefined) camelNames.set(column, (name = column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())));
  return name;
}

/** A read-model row as JSON: camelCase field names, as everywhere else in the API. */
export function rowToJson(row: Row): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [camel(k), v]));
}
