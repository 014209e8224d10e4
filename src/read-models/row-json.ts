import type { Row } from '../../projections/projection.js';

const camel = (column: string) => column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** A read-model row as JSON: camelCase field names, as everywhere else in the API. */
export function rowToJson(row: Row): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [camel(k), v]));
}
