import { canonicalJson } from '../event-store/canonical.js';
import type { StoredEvent } from '../event-store/event-store.port.js';
import { eventHash, hashOfParts } from '../event-store/hash-chain.js';

/**
 * The stored hash against the stored bytes. The stores keep payload and metadata as the canonical
 * JSON that was hashed (SQLite text, PostgreSQL `json`), so the first test decides. Text in
 * another form — a PostgreSQL table from before `json` (`jsonb` re-forms it), or JSON re-written by
 * hand with the same content — is parsed and hashed in canonical form: the same content gives the
 * same hash either way.
 */
export function storedHashHolds(event: StoredEvent): boolean {
  if (hashOfParts(event, event.data, event.metadata) === event.hash) return true;
  try {
    const data: unknown = JSON.parse(event.data);
    const metadata: unknown = JSON.parse(event.metadata);
    // Same text in canonical form: the parse changed nothing, so the content itself differs.
    if (canonicalJson(data) === event.data && canonicalJson(metadata) === event.metadata) return false;
    return eventHash({ ...event, data, metadata: metadata as never }) === event.hash;
  } catch {
    return false;
  }
}
