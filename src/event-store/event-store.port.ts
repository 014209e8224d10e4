import type { ProjectedEvent } from '../../projections/projection.js';
import type { NewEvent, RecordedEvent } from './envelope.js';
import type { HashedHeader } from './hash-chain.js';

/**
 * The expected state of a stream for an append:
 * - 'no_stream': the stream must not exist yet;
 * - 'stream_exists': the stream must exist (any revision);
 * - a number: the stream's last revision must be exactly this.
 */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | number;

export interface AppendResult {
  /** True when this command's events were already in the store: nothing was written. */
  alreadyAppended: boolean;
  /** The stream's revision after the (original) append: the last event's revision. */
  revision: number;
  /** The global position of the (original) append's last event. */
  position: bigint;
  events: RecordedEvent[];
}

export interface ReadStreamOptions {
  fromRevision?: number;
  maxCount?: number;
  /** Only events recorded at or before this ISO instant. */
  until?: string;
}

export interface ReadAllOptions {
  /** Inclusive lower bound of global positions. */
  fromPosition?: bigint;
  maxCount?: number;
}

export interface ReadStoredOptions extends ReadAllOptions {
  /**
   * Only the streams of one partition: `count` partitions split the streams by a stable function
   * of the stream name, so each stream lies wholly in one. Lets verification workers share `$all`.
   */
  partition?: { index: number; count: number };
  /**
   * A quick hash check: the store may hand back, in `hashInput`, the exact text the hash covers,
   * assembled by the database from the stored columns, or, in `hashHolds`, the database's own
   * verdict on the stored hash over that text; and may leave out what the text already holds
   * (data, metadata, eventId, type and recordedAt empty, schemaVersion 0). Verification then
   * checks the chain without decoding payloads, and reads an event whole only if the quick check
   * fails. Stores that cannot assemble the text ignore the option.
   */
  hashInput?: boolean;
}

export interface SubscribeOptions {
  /** Inclusive lower bound: the first event delivered is the first at or after it. */
  fromPosition?: bigint;
  batchSize?: number;
}

/**
 * Catch-up then live delivery of `$all`, in the store's commit-safe order, as batches.
 * Iterate with `for await`; `close()` ends the iteration.
 */
export interface AllSubscription extends AsyncIterable<RecordedEvent[]> {
  close(): Promise<void>;
}

/**
 * Batches of `$all` in position order as projections read them, fetched ahead of the caller.
 * `next` resolves to an empty batch at the end (a batch shorter than asked for is the last).
 */
export interface AllReader {
  next(): Promise<ProjectedEvent[]>;
  close(): Promise<void>;
}

/** An event as stored: payload and metadata as the store's JSON text, which verification hashes. */
export interface StoredEvent extends HashedHeader {
  position: bigint;
  data: string;
  metadata: string;
  hash: string;
  /** With `hashInput` requested: the UTF-8 of what the hash covers, as the store assembled it from what it holds. */
  hashInput?: Uint8Array;
  /** With `hashInput` requested, from a store that hashes: whether the stored hash matches the text it assembled. */
  hashHolds?: boolean;
}

/**
 * How a store assigns global positions, which says what a gap between two positions means:
 * - dense: every position from 1 to the highest ever assigned holds an event (embedded);
 * - transaction: position = (transaction id << shift) + index, the indexes of one append run
 *   from 0 without gaps, and gaps between transactions are normal (PostgreSQL);
 * - opaque: positions are the server's own (EventStoreDB) and gaps cannot be judged.
 */
export type PositionScheme = { kind: 'dense' } | { kind: 'transaction'; shift: bigint } | { kind: 'opaque' };

export interface EventStore {
  readonly kind: 'embedded' | 'postgres' | 'eventstoredb';
  readonly positionScheme: PositionScheme;
  /**
   * Appends events atomically. All events must carry the same metadata.commandId: event ids are
   * derived from it, which makes a retried append a no-op that reports the original result.
   * Throws WrongExpectedRevision, IdempotencyConflict or InvalidAppend.
   */
  append(stream: string, events: NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult>;
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** `$all` as stored, payloads unparsed: for verification. */
  readAllStored(options?: ReadStoredOptions): Promise<StoredEvent[]>;
  /**
   * The positions of `$all` alone, cheaply: what a position check needs. Stores that have it also
   * support `partition` in readAllStored.
   */
  readPositions?(options?: ReadAllOptions): Promise<bigint[]>;
  /**
   * `$all` from a position as projections read it (of the metadata, only the actor), in batches
   * fetched apart from the caller's thread while it applies the one before (a rebuild). Stores
   * without it are read with `readAll`.
   */
  readAhead?(fromPosition: bigint, batchSize: number): AllReader;
  /** The highest position a dense store ever assigned, even if its event is gone. */
  highestAssignedPosition?(): Promise<bigint>;
  subscribeAll(options?: SubscribeOptions): AllSubscription;
  /** Position of the last event a reader may see now (0n for an empty store). */
  headPosition(): Promise<bigint>;
  /** Throws when the store cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EVENT_STORE');

/** Most events one append may carry: keeps a command's write bounded and fits the position encodings. */
export const MAX_EVENTS_PER_APPEND = 10_000;

export class EventStoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The stream was not at the expected revision: another writer got there first. */
export class WrongExpectedRevision extends EventStoreError {
  constructor(
    readonly stream: string,
    readonly expected: ExpectedRevision,
    readonly actual: number | 'no_stream',
  ) {
    super(`stream ${stream}: expected ${String(expected)} but the stream is at ${String(actual)}`);
  }
}

/** The command id was used before for different events. */
export class IdempotencyConflict extends EventStoreError {
  constructor(
    readonly commandId: string,
    readonly difference: string,
  ) {
    super(`command ${commandId} was already appended with different content: ${difference}`);
  }
}

/** The append itself is malformed (empty, mixed command ids, too many events, bad payload). */
export class InvalidAppend extends EventStoreError {}
