import { canonicalJson } from '../event-store/canonical.js';
import type { StoredEvent } from '../event-store/event-store.port.js';
import { eventHash, hashOfParts } from '../event-store/hash-chain.js';

/**
 * The stored hash against the stored bytes. Stores that keep the canonical text (the embedded
 * store) match on the first test; others keep JSON in their own form (PostgreSQL jsonb), so the
 * payload is parsed and hashed in canonical form: the same content gives the same hash either way.
 * `canonicalText` says whether the store keeps canonical text (then the first test usually decides).
 */
export function storedHashHolds(event: StoredEvent, canonicalText = true): boolean {
  if (canonicalText && hashOfParts(event, event.data, event.metadata) === event.hash) return true;
  try {
    const data: unknown = JSON.parse(event.data);
    const metadata: unknown = JSON.parse(event.metadata);
    // Same text in canonical form: the parse changed nothing, so the content itself differs.
    if (canonicalText && canonicalJson(data) === event.data && canonicalJson(metadata) === event.metadata) return false;
    return eventHash({ ...event, data, metadata: metadata as never }) === event.hash;
  } catch {
    return false;
  }
}


/** Whether a store hands back payloads as the canonical text that was hashed (PostgreSQL jsonb does not). */
export function keepsCanonicalText(kind: StoreKind): boolean {
  return kind !== 'postgres';
}

type StoreKind = 'embedded' | 'postgres' | 'eventstoredb';

/** What a hash check of one batch found: the events whose stored content does not match their hash. */
export interface HashCheckResult {
  checked: number;
  lastPosition: string | null;
  mismatches: Array<{ position: string; stream: string; revision: number; type: string }>;
}

export function checkStoredHashes(events: readonly StoredEvent[], canonicalText: boolean): HashCheckResult {
  const mismatches: HashCheckResult['mismatches'] = [];
  for (const event of events) {
    if (!storedHashHolds(event, canonicalText)) mismatches.push({ position: event.position.toString(), stream: event.stream, revision: event.revision, type: event.type });
  }
  return { checked: events.length, lastPosition: events.length ? events[events.length - 1]!.position.toString() : null, mismatches };
}
