import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ProjectedEvent } from '../../projections/projection.js';
import { workersAvailable } from '../shared/workers.js';
import type { RecordedEvent } from './envelope.js';
import type { AllReader, EventStore } from './event-store.port.js';

/** An event as projections read it: the envelope, the payload and, of the metadata, the actor. */
export function toProjected(event: RecordedEvent): ProjectedEvent {
  return {
    type: event.type,
    schemaVersion: event.schemaVersion,
    stream: event.stream,
    revision: event.revision,
    position: event.position.toString(),
    recordedAt: event.recordedAt,
    eventId: event.eventId,
    actor: event.metadata.actor,
    data: event.data,
  };
}

/**
 * `$all` from a position in batches as projections read them, fetched ahead: as the store does it
 * where it can (`readAhead`), else by `readAll` with one read in flight while the caller applies
 * the batch before. `plain`: by `readAll` in any case.
 */
export function readAllAhead(store: EventStore, from: bigint, batchSize: number, plain = false): AllReader {
  if (store.readAhead && !plain) return store.readAhead(from, batchSize);
  return readingAhead(from, batchSize, async (fromPosition, maxCount) => (await store.readAll({ fromPosition, maxCount })).map(toProjected));
}

/**
 * An AllReader over a batch read that may run while the caller works: the next batch is asked for
 * as soon as one is handed out (on PostgreSQL the server reads it meanwhile). A read left behind
 * when the caller stops (or fails) is dropped, its error with it.
 */
function readingAhead(fromPosition: bigint, batchSize: number, read: (from: bigint, maxCount: number) => Promise<ProjectedEvent[]>): AllReader {
  const start = (from: bigint) => {
    const pending = read(from, batchSize);
    pending.catch(() => undefined);
    return pending;
  };
  let reading: Promise<ProjectedEvent[]> | null = start(fromPosition);
  return {
    async next() {
      if (reading === null) return [];
      const batch = await reading;
      reading = batch.length === batchSize ? start(BigInt(batch[batch.length - 1]!.position) + 1n) : null;
      return batch;
    },
    async close() {
      // A read still under way is awaited (its outcome dropped), so the store is not closed under it.
      const pending = reading;
      reading = null;
      await pending?.catch(() => undefined);
    },
  };
}

/**
 * A row of `$all` as projections read it, as a store selects it for a reader: position (a number,
 * or decimal text where positions may pass 2^53), eventId, stream, revision, type, schemaVersion,
 * the payload's JSON text, and of the metadata only the actor's id and role (taken out by the
 * database; the rest of the metadata is never decoded).
 */
export type ProjectedRow = [number | string, string, string, number, string, number, string, string | null, string | null, string];

/** Reads the next rows of `$all` from a position, at most `maxCount`; fewer at the end. */
export type ProjectedRowSource = (fromPosition: bigint, maxCount: number) => Promise<ProjectedRow[]> | ProjectedRow[];

/** What a reader thread opens to read a store's rows on a connection of its own. */
export type ReaderSource = { kind: 'embedded'; file: string } | { kind: 'postgres'; connectionString: string; schema: string };

/** The events of projected rows, payloads parsed. */
function projectedEvents(rows: ProjectedRow[]): ProjectedEvent[] {
  const events = new Array<ProjectedEvent>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const position = r[0];
    if (typeof position === 'number' && !Number.isSafeInteger(position)) throw new Error(`position ${position} is beyond what the embedded store assigns`);
    events[i] = {
      type: r[4],
      schemaVersion: r[5],
      stream: r[2],
      revision: r[3],
      position: String(position),
      recordedAt: r[9],
      eventId: r[1],
      // As readAll gives it: metadata without an actor has none.
      actor: r[7] === null && r[8] === null ? (undefined as never) : ({ id: r[7], role: r[8] } as ProjectedEvent['actor']),
      data: parsePayload(r),
    };
  }
  return events;
}

function parsePayload(r: ProjectedRow): unknown {
  try {
    return JSON.parse(r[6]);
  } catch (error) {
    throw new Error(
      `the payload of ${r[2]}@${r[3]} (position ${r[0]}) is not JSON (${error instanceof Error ? error.message : String(error)}); \`service-ledger verify\` checks the ledger`,
    );
  }
}

/** The position after a batch's last row. */
export function nextPosition(rows: ProjectedRow[]): bigint {
  return BigInt(rows[rows.length - 1]![0]) + 1n;
}

/** Batches of rows read ahead by a reader thread: at most this many wait unconsumed. */
const BATCHES_AHEAD = 2;

/**
 * Reads `$all` for a caller that applies each batch before it asks for the next (a rebuild). A
 * worker thread with a connection of its own fetches and decodes the rows (SQLite's row stepping,
 * PostgreSQL's protocol) on the other core while this thread parses the payloads and applies
 * the batch before: rows cross as arrays of cells, cheaper to receive than to fetch. Where worker
 * threads cannot run (the TypeScript test runner) or the store is not a file (an in-memory
 * SQLite), `inThread` reads them here (see readingAhead).
 */
export function projectedReader(source: ReaderSource | null, inThread: ProjectedRowSource, fromPosition: bigint, batchSize: number): AllReader {
  if (source && workersAvailable()) return new ReaderThread(source, fromPosition, batchSize);
  return readingAhead(fromPosition, batchSize, async (from, maxCount) => projectedEvents(await inThread(from, maxCount)));
}

type ReaderReply = { rows: ProjectedRow[] } | { error: string };

const WORKER_SCRIPT = new URL('./read-ahead.worker.js', import.meta.url);

class ReaderThread implements AllReader {
  private readonly worker: Worker;
  /** Replies received and not yet taken, in order. */
  private readonly received: ReaderReply[] = [];
  private waiting: ((reply: ReaderReply) => void) | null = null;
  private readonly exited: Promise<void>;
  private ended = false;
  private failure: Error | null = null;

  constructor(
    source: ReaderSource,
    fromPosition: bigint,
    private readonly batchSize: number,
  ) {
    // A small young generation (not the caller's, which may be set large): the thread's rows are
    // short-lived, and its memory counts in the caller's.
    this.worker = new Worker(fileURLToPath(WORKER_SCRIPT), {
      workerData: { source, fromPosition: fromPosition.toString(), batchSize },
      resourceLimits: { maxYoungGenerationSizeMb: 16 },
    });
    this.worker.on('message', (reply: ReaderReply) => this.deliver(reply));
    this.worker.on('error', (error) => this.deliver({ error: error.message }));
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.deliver({ error: `$all reader thread exited with code ${code}` });
        resolve();
      });
    });
    for (let i = 0; i < BATCHES_AHEAD; i++) this.worker.postMessage('more');
  }

  async next(): Promise<ProjectedEvent[]> {
    // After a failure, every call fails the same way: nothing after a batch that could not be read is handed out.
    if (this.failure) throw this.failure;
    if (this.ended) return [];
    const reply = this.received.shift() ?? (await new Promise<ReaderReply>((resolve) => (this.waiting = resolve)));
    let events: ProjectedEvent[];
    try {
      if ('error' in reply) throw new Error(`reading $all: ${reply.error}`);
      events = projectedEvents(reply.rows);
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      throw this.failure;
    }
    // A short batch is the last; the thread answers any request after it with an empty one.
    if (reply.rows.length < this.batchSize) this.ended = true;
    else this.worker.postMessage('more');
    return events;
  }

  /** Has the thread close its connection and end (it answers what was asked before first). */
  async close(): Promise<void> {
    this.ended = true;
    this.worker.postMessage('close');
    await this.exited;
  }

  private deliver(reply: ReaderReply): void {
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting) waiting(reply);
    else this.received.push(reply);
  }
}
