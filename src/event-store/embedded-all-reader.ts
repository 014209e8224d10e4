import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { ProjectedEvent } from '../../projections/projection.js';
import { workersAvailable } from '../shared/workers.js';
import type { AllReader } from './event-store.port.js';

/**
 * `$all` as projections read it, from the embedded store's events table: the envelope, the payload
 * text and, of the metadata, only the actor (SQLite takes it out; the rest of the metadata is not
 * decoded at all).
 */
export const PROJECTED_ALL_SQL =
  "SELECT position, event_id, stream, revision, type, schema_version, data, metadata ->> '$.actor.id', metadata ->> '$.actor.role', recorded_at " +
  'FROM events WHERE position >= ? ORDER BY position LIMIT ?';

/** A row of PROJECTED_ALL_SQL as an array. */
export type ProjectedRow = [number, string, string, number, string, number, string, string, string, string];

/** The events of rows of PROJECTED_ALL_SQL, payloads parsed. */
export function projectedEvents(rows: ProjectedRow[]): ProjectedEvent[] {
  const events = new Array<ProjectedEvent>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (!Number.isSafeInteger(r[0])) throw new Error(`position ${r[0]} is beyond what the embedded store assigns`);
    events[i] = {
      type: r[4],
      schemaVersion: r[5],
      stream: r[2],
      revision: r[3],
      position: String(r[0]),
      recordedAt: r[9],
      eventId: r[1],
      actor: { id: r[7], role: r[8] },
      data: JSON.parse(r[6]),
    };
  }
  return events;
}

/** Batches of rows read ahead by the reader thread: at most this many wait unconsumed. */
const BATCHES_AHEAD = 2;

type ReaderReply = { rows: ProjectedRow[] } | { error: string };

const WORKER_SCRIPT = new URL('./embedded-all-reader.worker.js', import.meta.url);

/**
 * Reads `$all` for a caller that applies each batch before it asks for the next (a rebuild): a
 * worker thread with its own read-only connection fetches the rows, on the other core, while this
 * thread parses and applies the batch before; rows cross as arrays of strings, cheaper to receive
 * than to fetch (SQLite's row stepping and text decoding stay in the worker). Where worker threads
 * cannot run (an in-memory store, the TypeScript test runner), the rows are read on `db` itself.
 */
export function embeddedAllReader(db: Database.Database, fromPosition: bigint, batchSize: number): AllReader {
  if (fromPosition > BigInt(Number.MAX_SAFE_INTEGER)) return { next: async () => [], close: async () => undefined };
  if (db.memory || !workersAvailable()) return inThreadReader(db.prepare<[number, number], unknown[]>(PROJECTED_ALL_SQL).raw(true), Number(fromPosition), batchSize);
  return new ReaderThread(db.name, Number(fromPosition), batchSize);
}

function inThreadReader(statement: Database.Statement<[number, number], unknown[]>, from: number, batchSize: number): AllReader {
  let ended = false;
  return {
    async next() {
      if (ended) return [];
      const rows = statement.all(from, batchSize) as ProjectedRow[];
      if (rows.length < batchSize) ended = true;
      if (rows.length > 0) from = rows[rows.length - 1]![0] + 1;
      return projectedEvents(rows);
    },
    async close() {
      ended = true;
    },
  };
}

class ReaderThread implements AllReader {
  private readonly worker: Worker;
  /** Replies received and not yet taken, in order. */
  private readonly received: ReaderReply[] = [];
  private waiting: { resolve: (reply: ReaderReply) => void } | null = null;
  private readonly exited: Promise<void>;
  private failure: Error | null = null;
  private ended = false;

  constructor(
    file: string,
    fromPosition: number,
    private readonly batchSize: number,
  ) {
    // A small heap: the thread holds a batch or two of rows at a time, and its memory counts in the caller's.
    this.worker = new Worker(fileURLToPath(WORKER_SCRIPT), {
      workerData: { file, fromPosition, batchSize },
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 16 },
    });
    this.worker.on('message', (reply: ReaderReply) => this.deliver(reply));
    this.worker.on('error', (error) => this.fail(error));
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.fail(new Error(`$all reader thread exited with code ${code}`));
        resolve();
      });
    });
    for (let i = 0; i < BATCHES_AHEAD; i++) this.worker.postMessage('more');
  }

  async next(): Promise<ProjectedEvent[]> {
    if (this.ended) return [];
    const reply = this.received.shift() ?? (await new Promise<ReaderReply>((resolve) => (this.waiting = { resolve })));
    if ('error' in reply) {
      this.ended = true;
      throw new Error(`reading $all: ${reply.error}`);
    }
    // A short batch is the last; the thread answers any request after it with an empty one.
    if (reply.rows.length < this.batchSize) this.ended = true;
    else this.worker.postMessage('more');
    return projectedEvents(reply.rows);
  }

  async close(): Promise<void> {
    this.ended = true;
    await this.worker.terminate();
    await this.exited;
  }

  private deliver(reply: ReaderReply): void {
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting) waiting.resolve(reply);
    else this.received.push(reply);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.deliver({ error: this.failure.message });
  }
}
