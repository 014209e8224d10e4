import { createHash } from 'node:crypto';
import { normalizeInstant } from '../shared/time.js';
import { canonicalJson } from './canonical.js';
import type { NewEvent, RecordedEvent } from './envelope.js';
import {
  type AppendResult,
  type ExpectedRevision,
  IdempotencyConflict,
  InvalidAppend,
  MAX_EVENTS_PER_APPEND,
  WrongExpectedRevision,
} from './event-store.port.js';
import { GENESIS_HASH, hashOfParts } from './hash-chain.js';

/**
 * What every adapter does the same way around an append: validate, derive event ids, chain
 * hashes, check the expected revision, and recognise a repeated command.
 */

const STREAM_NAME = /^[A-Za-z0-9_.:-]{1,200}$/;

/**
 * Event ids derive from the command id and the event's index in the command, formatted as a UUID
 * (version-5 layout over SHA-256), so a retried command produces the same ids.
 */
export function deriveEventId(commandId: string, index: number): string {
  const h = createHash('sha256').update(`${commandId}\u0000${index}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export interface StreamHead {
  /** Last revision, or -1 when the stream does not exist. */
  revision: number;
  hash: string;
}

export const NO_STREAM_HEAD: StreamHead = { revision: -1, hash: GENESIS_HASH };

/** Validates an append and returns its command id. */
export function validateAppend(stream: string, events: NewEvent[]): string {
  if (!STREAM_NAME.test(stream)) throw new InvalidAppend(`invalid stream name: ${JSON.stringify(stream)}`);
  if (events.length === 0) throw new InvalidAppend('an append needs at least one event');
  if (events.length > MAX_EVENTS_PER_APPEND) {
    throw new InvalidAppend(`an append may carry at most ${MAX_EVENTS_PER_APPEND} events, got ${events.length}`);
  }
  const commandId = events[0]!.metadata?.commandId;
  if (!commandId) throw new InvalidAppend('events need metadata.commandId');
  for (const event of events) {
    if (event.metadata?.commandId !== commandId) throw new InvalidAppend('all events of one append must share one commandId');
    if (!event.type || typeof event.type !== 'string') throw new InvalidAppend('every event needs a type');
    try {
      canonicalJson(event.type);
    } catch (error) {
      throw new InvalidAppend(`event type ${JSON.stringify(event.type)}: ${(error as Error).message}`);
    }
    if (!Number.isSafeInteger(event.schemaVersion) || event.schemaVersion < 1) {
      throw new InvalidAppend(`event ${event.type}: schemaVersion must be a positive integer`);
    }
  }
  return commandId;
}

/** Throws WrongExpectedRevision unless the head satisfies the expectation. */
export function checkExpectedRevision(stream: string, head: StreamHead, expected: ExpectedRevision): void {
  const actual = head.revision < 0 ? 'no_stream' : head.revision;
  const ok =
    expected === 'no_stream' ? head.revision < 0 : expected === 'stream_exists' ? head.revision >= 0 : head.revision === expected;
  if (!ok) throw new WrongExpectedRevision(stream, expected, actual);
}

/** The canonical JSON texts of an event's payload and metadata, as hashed. */
export interface PayloadTexts {
  data: string;
  metadata: string;
}

/**
 * Builds the records to write on top of `head`. Positions are left 0n for the adapter to fill.
 * A payload that has no canonical form (a float, a function) is refused here, before any write.
 * `texts`, when given, receives each record's canonical payload and metadata texts, for adapters
 * that store them as they were hashed.
 */
export function buildRecords(stream: string, events: NewEvent[], head: StreamHead, recordedAt: string, texts?: PayloadTexts[]): RecordedEvent[] {
  const commandId = events[0]!.metadata.commandId;
  let prevHash = head.hash;
  return events.map((event, index) => {
    const fields = {
      eventId: deriveEventId(commandId, index),
      stream,
      revision: head.revision + 1 + index,
      type: event.type,
      schemaVersion: event.schemaVersion,
      recordedAt: normalizeInstant(event.recordedAt ?? recordedAt),
      data: event.data,
      metadata: event.metadata,
      prevHash,
    };
    let hash: string;
    try {
      const text = { data: canonicalJson(fields.data), metadata: canonicalJson(fields.metadata) };
      hash = hashOfParts(fields, text.data, text.metadata);
      texts?.push(text);
    } catch (error) {
      throw new InvalidAppend(`event ${event.type}: ${(error as Error).message}`);
    }
    prevHash = hash;
    return { ...fields, position: 0n, hash };
  });
}

/**
 * Compares a repeated command with what it appended the first time. Same stream, types, schema
 * versions and payloads (metadata such as correlation ids may differ on a retry) -> the original
 * result; anything else -> IdempotencyConflict.
 */
export function replayResult(stream: string, events: NewEvent[], original: RecordedEvent[]): AppendResult {
  const commandId = events[0]!.metadata.commandId;
  const differ = (what: string): never => {
    throw new IdempotencyConflict(commandId, what);
  };
  if (original.length !== events.length) differ(`it appended ${original.length} events, now ${events.length}`);
  original.forEach((stored, i) => {
    const next = events[i]!;
    if (stored.stream !== stream) differ(`it appended to ${stored.stream}, now to ${stream}`);
    if (stored.type !== next.type || stored.schemaVersion !== next.schemaVersion) {
      differ(`event ${i} was ${stored.type} v${stored.schemaVersion}, now ${next.type} v${next.schemaVersion}`);
    }
    if (canonicalJson(stored.data) !== canonicalJson(next.data)) differ(`event ${i} (${stored.type}) has a different payload`);
  });
  const last = original[original.length - 1]!;
  return { alreadyAppended: true, revision: last.revision, position: last.position, events: original };
}

/**
 * After a refused write (the expected revision did not hold, or an event id already existed):
 * if the command's events are in the store, this is a retry and the original result is returned;
 * otherwise the conflict stands.
 */
export async function resolveConflict(
  stream: string,
  events: NewEvent[],
  lookup: (eventIds: string[]) => RecordedEvent[] | Promise<RecordedEvent[]>,
  conflict: () => Error | Promise<Error>,
): Promise<AppendResult> {
  const commandId = events[0]!.metadata.commandId;
  const original = originalFromCandidates(commandId, await lookup(candidateEventIds(commandId, events.length)));
  if (original) return replayResult(stream, events, original);
  throw await conflict();
}

/** Event ids 0..n of a command: one more than the append carries, to notice an original that had more. */
export function candidateEventIds(commandId: string, count: number): string[] {
  return Array.from({ length: count + 1 }, (_, i) => deriveEventId(commandId, i));
}

/** Orders the events found for a command's candidate ids and keeps the contiguous run from index 0. */
export function originalFromCandidates(commandId: string, found: RecordedEvent[]): RecordedEvent[] | null {
  if (found.length === 0) return null;
  const byId = new Map(found.map((e) => [e.eventId, e]));
  const result: RecordedEvent[] = [];
  for (let i = 0; ; i++) {
    const event = byId.get(deriveEventId(commandId, i));
    if (!event) break;
    result.push(event);
  }
  return result.length > 0 ? result : null;
}

/**
 * Stream heads this process wrote or read, so that the usual append (a command that just read its
 * stream) needs no extra read. A stale entry cannot do harm: the insert at head + 1 then hits the
 * (stream, revision) unique index and the adapter reads the real head. Least recently used
 * entries are dropped past `capacity`.
 */
export class HeadCache {
  private readonly heads = new Map<string, StreamHead>();

  constructor(private readonly capacity = 100_000) {}

  /**
   * The head to write on without asking the store: the cached one if it satisfies the
   * expectation, or, for a stream expected not to exist, the empty head (a stream that does exist
   * already holds revision 0, so the unique index refuses the insert and the store is asked).
   */
  usable(stream: string, expected: ExpectedRevision): StreamHead | undefined {
    const head = this.heads.get(stream);
    if (!head) return expected === 'no_stream' ? NO_STREAM_HEAD : undefined;
    const ok =
      expected === 'no_stream' ? head.revision < 0 : expected === 'stream_exists' ? head.revision >= 0 : head.revision === expected;
    return ok ? head : undefined;
  }

  remember(stream: string, head: StreamHead): void {
    this.heads.delete(stream);
    this.heads.set(stream, head);
    if (this.heads.size > this.capacity) this.heads.delete(this.heads.keys().next().value!);
  }

  forget(stream: string): void {
    this.heads.delete(stream);
  }
}

export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === '23505';
}
