import pg from 'pg';

/**
 * How the service's PostgreSQL pools talk to the server: sessions in UTC, and timestamptz handed
 * over as the ISO-8601 text the service itself writes (`2026-01-01T08:00:00.120Z`) rather than
 * as a Date built from the server's text and turned back into a string.
 */
export const PG_UTC_SESSION = '-c TimeZone=UTC';

const TIMESTAMPTZ_OID = 1184;

/** `2026-01-01 08:00:00.12+00` (a UTC session's text form) -> `2026-01-01T08:00:00.120Z`. */
function pgTimestampToIso(text: string): string {
  const match = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d+))?\+00$/.exec(text);
  if (!match) return new Date(text).toISOString();
  return `${match[1]}T${match[2]}.${(match[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
}

/** pg's type parsers, timestamptz read with `pgTimestampToIso` (for a pool's `types`). */
export const isoTimestampTypes = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === TIMESTAMPTZ_OID ? pgTimestampToIso : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};
