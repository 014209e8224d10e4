import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import type { EventMetadata, RecordedEvent } from './envelope.js';

/** prevHash of the first event of every stream. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields the hash covers: everything but the global position, which some stores assign at commit. */
export interface HashedFields {
  eventId: string;
  stream: string;
  revision: number;
  type: string;
  schemaVersion: number;
  recordedAt: string;
  data: unknown;
  metadata: EventMetadata;
  prevHash: string;
}

export function eventHash(fields: HashedFields): string {
  const canonical = canonicalJson({
    eventId: fields.eventId,
    stream: fields.stream,
    revision: fields.revision,
    type: fields.type,
    schemaVersion: fields.schemaVersion,
    recordedAt: fields.recordedAt,
    data: fields.data,
    metadata: fields.metadata,
    prevHash: fields.prevHash,
  });
  return createHash('sha256').update(canonical).digest('hex');
}

export type ChainVerdict =
  | { ok: true; stream: string; events: number; headHash: string }
  | {
      ok: false;
      stream: string;
      /** The first event whose stored values do not match the chain (or the revision expected where one is missing). */
      revision: number;
      eventId?: string;
      problem: 'revision_gap' | 'prev_hash_mismatch' | 'hash_mismatch' | 'wrong_stream';
      message: string;
    };

/**
 * Recomputes a stream's chain from its first event and names the first event that does not match.
 * An edited event fails its own hash; a deleted one shows as a revision gap (or, if the events
 * after it were renumbered, as a prevHash that no longer links).
 */
export function verifyStream(stream: string, events: Iterable<RecordedEvent>): ChainVerdict {
  let expectedRevision = 0;
  let prevHash = GENESIS_HASH;
  for (const event of events) {
    const fail = (problem: Exclude<ChainVerdict, { ok: true }>['problem'], message: string): ChainVerdict => ({
      ok: false,
      stream,
      revision: problem === 'revision_gap' ? expectedRevision : event.revision,
      eventId: event.eventId,
      problem,
      message,
    });
    if (event.stream !== stream) {
      return fail('wrong_stream', `event ${event.eventId} belongs to ${event.stream}, not ${stream}`);
    }
    if (event.revision !== expectedRevision) {
      return fail('revision_gap', `expected revision ${expectedRevision} but found ${event.revision}: an event is missing`);
    }
    if (event.prevHash !== prevHash) {
      return fail('prev_hash_mismatch', `revision ${event.revision} does not link to the hash of revision ${expectedRevision - 1}`);
    }
    const recomputed = eventHash(event);
    if (recomputed !== event.hash) {
      return fail('hash_mismatch', `revision ${event.revision} (${event.type}) was altered: its content no longer matches its hash`);
    }
    prevHash = event.hash;
    expectedRevision += 1;
  }
  return { ok: true, stream, events: expectedRevision, headHash: prevHash };
}
