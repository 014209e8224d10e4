import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../shared/clock.js';
import { normalizeInstant } from '../shared/time.js';
import {
  buildRecords,
  checkExpectedRevision,
  HeadCache,
  isUniqueViolation,
  NO_STREAM_HEAD,
  resolveConflict,
  type StreamHead,
  validateAppend,
} from './append-core.js';
import type { NewEvent, RecordedEvent } from './envelope.js';
import {
  type AllSubscription,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStreamOptions,
  type SubscribeOptions,
  WrongExpectedRevision,
} from './event-store.port.js';
import { PollingSubscription } from './polling-subscription.js';

export interface EmbeddedStoreOptions {
  /** File path, or ':memory:' for a throw-away store. */
  path: string;
  clock: Clock;
  /** 'FULL' (default) makes every acknowledged append survive a power cut. */
  synchronous?: 'FULL' | 'NORMAL';
  pollMs?: number;
}

interface EventRow {
  position: number | bigint;
  event_id: string;
  stream: string;
  revision: number;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
  recorded_at: string;
  prev_hash: string;
  hash: string;
}

const COLUMNS = 'position, event_id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash';

/**
 * The default store: SQLite in-process through better-sqlite3. One connection writes, in
 * `BEGIN IMMEDIATE` transactions, so positions (the rowid) follow commit order and a reader
 * can never see position n+1 before n. WAL lets readers run beside the writer.
 */
export class EmbeddedEventStore implements EventStore {
  readonly kind = 'embedded' as const;
  private readonly db: Database.Database;
  private readonly subscriptions = new Set<PollingSubscription>();
  private readonly stmt: {
    head: Database.Statement<[string], { revision: number; hash: string }>;
    insert: Database.Statement;
    byIds: (n: number) => Database.Statement<string[], EventRow>;
    stream: Database.Statement<[string, number, string, number], EventRow>;
    all: Database.Statement<[bigint, number], EventRow>;
    headPosition: Database.Statement<[], { p: number | bigint | null }>;
  };
  private readonly byIdsCache = new Map<number, Database.Statement<string[], EventRow>>();
  private readonly appendImmediate: (stream: string, events: NewEvent[], expected: ExpectedRevision, cached?: StreamHead) => AppendResult;
  private readonly heads = new HeadCache();

  constructor(private readonly options: EmbeddedStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS events (
        position       INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id       TEXT    NOT NULL UNIQUE,
        stream         TEXT    NOT NULL,
        revision       INTEGER NOT NULL,
        type           TEXT    NOT NULL,
        schema_version INTEGER NOT NULL,
        data           TEXT    NOT NULL,
        metadata       TEXT    NOT NULL,
        recorded_at    TEXT    NOT NULL,
        prev_hash      TEXT    NOT NULL,
        hash           TEXT    NOT NULL,
        UNIQUE (stream, revision)
      );
    `);
    this.stmt = {
      head: this.db.prepare('SELECT revision, hash FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1'),
      insert: this.db.prepare(
        `INSERT INTO events (event_id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      byIds: (n) => {
        let s = this.byIdsCache.get(n);
        if (!s) {
          s = this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE event_id IN (${Array(n).fill('?').join(',')})`);
          this.byIdsCache.set(n, s);
        }
        return s;
      },
      stream: this.db.prepare(
        `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? AND recorded_at <= ? ORDER BY revision LIMIT ?`,
      ),
      all: this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE position >= ? ORDER BY position LIMIT ?`),
      headPosition: this.db.prepare('SELECT max(position) AS p FROM events'),
    };
    this.stmt.all.safeIntegers(true);
    this.appendImmediate = this.db.transaction(this.appendTx).immediate;
  }

  /** The underlying connection, for the read-model store sharing the file and for tests. */
  get database(): Database.Database {
    return this.db;
  }

  /**
   * Runs inside BEGIN IMMEDIATE: no other writer can move the stream between the head read and
   * the inserts. `head` is the cached head, checked by the (stream, revision) unique index.
   */
  private readonly appendTx = (stream: string, events: NewEvent[], expected: ExpectedRevision, cached?: StreamHead): AppendResult => {
    const head: StreamHead = cached ?? this.stmt.head.get(stream) ?? NO_STREAM_HEAD;
    checkExpectedRevision(stream, head, expected);
    const records = buildRecords(stream, events, head, this.options.clock.now());
    for (const r of records) {
      const info = this.stmt.insert.run(
        r.eventId,
        r.stream,
        r.revision,
        r.type,
        r.schemaVersion,
        JSON.stringify(r.data),
        JSON.stringify(r.metadata),
        r.recordedAt,
        r.prevHash,
        r.hash,
      );
      r.position = BigInt(info.lastInsertRowid);
    }
    const last = records[records.length - 1]!;
    return { alreadyAppended: false, revision: last.revision, position: last.position, events: records };
  };

  async append(stream: string, events: NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    validateAppend(stream, events);
    let result: AppendResult;
    try {
      const cached = this.heads.usable(stream, expectedRevision);
      try {
        result = this.appendImmediate(stream, events, expectedRevision, cached);
      } catch (error) {
        if (!cached || !isUniqueViolation(error)) throw error;
        // The cached head was stale (another process wrote), or this is a repeated command: ask the file.
        this.heads.forget(stream);
        result = this.appendImmediate(stream, events, expectedRevision, undefined);
      }
    } catch (error) {
      // A repeated command shows as a taken event id, or (if the stream moved on) a stale revision.
      if (!isUniqueViolation(error) && !(error instanceof WrongExpectedRevision)) throw error;
      return resolveConflict(
        stream,
        events,
        (ids) => this.stmt.byIds(ids.length).all(...ids).map(toRecorded),
        () => (error instanceof WrongExpectedRevision ? error : new WrongExpectedRevision(stream, expectedRevision, this.headRevision(stream))),
      );
    }
    const last = result.events[result.events.length - 1]!;
    this.heads.remember(stream, { revision: last.revision, hash: last.hash });
    for (const s of this.subscriptions) s.notify();
    return result;
  }

  private headRevision(stream: string): number | 'no_stream' {
    return this.stmt.head.get(stream)?.revision ?? 'no_stream';
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.stmt.stream
      .all(stream, options.fromRevision ?? 0, options.until ? normalizeInstant(options.until) : '9999-12-31T23:59:59.999Z', options.maxCount ?? -1)
      .map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.readAllSync(options.fromPosition ?? 0n, options.maxCount ?? 1000);
  }

  private readAllSync(fromPosition: bigint, maxCount: number): RecordedEvent[] {
    return this.stmt.all.all(fromPosition, maxCount).map(toRecorded);
  }

  subscribeAll(options: SubscribeOptions = {}): AllSubscription {
    const subscription: PollingSubscription = new PollingSubscription(
      async (from, max) => this.readAllSync(from, max),
      options.fromPosition ?? 0n,
      options.batchSize ?? 500,
      this.options.pollMs ?? 500,
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<bigint> {
    const p = this.stmt.headPosition.get()?.p;
    return p == null ? 0n : BigInt(p);
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    for (const s of [...this.subscriptions]) await s.close();
    if (this.db.open) this.db.close();
  }
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id,
    type: row.type,
    schemaVersion: Number(row.schema_version),
    stream: row.stream,
    revision: Number(row.revision),
    position: BigInt(row.position),
    recordedAt: row.recorded_at,
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
