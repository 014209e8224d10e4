import { randomUUID } from 'node:crypto';

/** Client-supplied ids: 1-64 characters of [A-Za-z0-9_-] (API.md, Conventions). */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

export function newId(): string {
  return randomUUID();
}
