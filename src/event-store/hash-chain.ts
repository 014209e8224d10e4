import { hash } from 'node:crypto';
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
  return hashOfParts(fields, canonicalJson(fields.data), canonicalJson(fields.metadata));
}

/** The envelope fields of an event besides its payload and metadata. */
export type HashedHeader = Omit<HashedFields, 'data' | 'metadata'>;

/**
 * The event hash from the canonical JSON texts of its payload and metadata: SHA-256 over the
 * canonical JSON of all hashed fields, assembled in canonical key order (data, eventId, metadata,
 * prevHash, recordedAt, revision, schemaVersion, stream, type). Appends use it with the texts they
 * store; verification uses it with the texts read back, so the stored bytes themselves are checked.
 */
export function hashOfParts(header: HashedHeader, dataJson: string, metadataJson: string): string {
  // Strings of the header are plain JSON strings: appends refuse a type that has no canonical form
  // (validateAppend), and the other header fields are generated (ids, ISO instants, hex hashes).
  const canonical =
    '{"data":' +
    dataJson +
    ',"eventId":' +
    JSON.stringify(header.eventId) +
    ',"metadata":' +
    metadataJson +
    ',"prevHash":' +
    JSON.stringify(header.prevHash) +
    ',"recordedAt":' +
    JSON.stringify(header.recordedAt) +
    ',"revision":' +
    canonicalJson(header.revision) +
    ',"schemaVersion":' +
    canonicalJson(header.schemaVersion) +
    ',"stream":' +
    JSON.stringify(header.stream) +
    ',"type":' +
    JSON.stringify(header.type) +
    '}';
  return hash('sha256', canonical, 'hex');
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
