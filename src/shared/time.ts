/**
 * Instants are ISO-8601 UTC strings everywhere in events and state. These helpers compare and
 * shift instants without reading the clock.
 */
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/**
 * An ISO-8601 instant with a time zone, naming a real calendar day and time: `Date.parse` alone
 * would read 2026-02-30 as 2026-03-02, and an instant recorded in a ledger must be the one sent.
 */
export function isIsoInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = ISO_INSTANT.exec(value);
  if (!m) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const offsetHour = Number(m[7] ?? 0);
  const offsetMinute = Number(m[8] ?? 0);
  return (
    month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month) && hour <= 23 && minute <= 59 && second <= 59 &&
    offsetHour <= 23 && offsetMinute <= 59 && !Number.isNaN(Date.parse(value))
  );
}

/** Normalises any ISO instant to the canonical `YYYY-MM-DDTHH:mm:ss.sssZ` form. */
export function normalizeInstant(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO-8601 instant: ${value}`);
  return new Date(ms).toISOString();
}

export function instantMs(value: string): number {
  return Date.parse(value);
}

export function addMs(instant: string, ms: number): string {
  return new Date(Date.parse(instant) + ms).toISOString();
}

export function isBefore(a: string, b: string): boolean {
  return Date.parse(a) < Date.parse(b);
}

export function isAtOrBefore(a: string, b: string): boolean {
  return Date.parse(a) <= Date.parse(b);
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
