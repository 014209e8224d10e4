/**
 * Instants are ISO-8601 UTC strings everywhere in events and state. These helpers compare and
 * shift instants without reading the clock.
 */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export function isIsoInstant(value: unknown): value is string {
  return typeof value === 'string' && ISO_INSTANT.test(value) && !Number.isNaN(Date.parse(value));
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
