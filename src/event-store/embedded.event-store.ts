import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../shared/clock.js';
import { normalizeInstant } from '../shared/time.js';
import {
  buildRecords,
  type PayloadTexts,
  checkExpectedRevision,
  candidateEventIds,
  HeadCache,
  isUniqueViolation,
  NO_STREAM_HEAD,
  originalFromCandidates,
  replayResult,
  type StreamHead,
  validateAppend,
} from './append-core.js';
import type { EventMetadata, NewEvent, RecordedEvent } from './envelope.js';
import {
  type AllReader,
  type AllSubscription,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStoredOptions,
  type ReadStreamOptions,
  type StoredEvent,
  type SubscribeOptions,
  WrongExpectedRevision,
} from './event-store.port.js';
import { PollingSubscription } from './polling-subscription.js';
import { projectedReader, type ProjectedRow, type ProjectedRowSource } from './read-ahead.js';

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

interface PendingAppend {
  stream: string;
  events: NewEvent[];
  expected: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** A row as an array, in COLUMNS order. */
type RawRow = [number, string, string, number, string, number, string, string, string, string, string];

const COLUMNS = 'position, event_id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash';
/** `$all` as projections read it (see ProjectedRow): of the metadata only the actor, taken out by SQLite. */
const PROJECTED_ALL_SQL =
  "SELECT position, event_id, stream, revision, type, schema_version, data, metadata ->> '$.actor.id', metadata ->> '$.actor.role', recorded_at " +
  'FROM events WHERE position >= ? ORDER BY position LIMIT ?';

/** Reads projected rows on a connection to an embedded store's file: the store's own, or a reader thread's. */
export function projectedRowSource(db: Database.Database): ProjectedRowSource {
  const statement = db.prepare<[number, number], unknown[]>(PROJECTED_ALL_SQL).raw(true);
  return (from, maxCount) => (from > BigInt(Number.MAX_SAFE_INTEGER) ? [] : (statement.all(Number(from), maxCount) as ProjectedRow[]));
}
/**
 * The text the hash covers (see hashOfParts), assembled by SQLite from the stored columns: the
 * payload and metadata are stored as the canonical JSON that was hashed. Header strings go in
 * unescaped: one that JSON would escape gives a text that does not match, and verification then
 * checks that event the long way.
 */
const HASH_INPUT = `CAST('{"data":' || data || ',"eventId":"' || event_id || '","metadata":' || metadata || ',"prevHash":"' || prev_hash ||
  '","recordedAt":"' || recorded_at || '","revision":' || revision || ',"schemaVersion":' || schema_version || ',"stream":"' || stream ||
  '","type":"' || type || '"}' AS BLOB)`;
const HASH_INPUT_COLUMNS = `position, stream, revision, type, prev_hash, hash, ${HASH_INPUT}`;
type HashInputRow = [number, string, number, string, string, string, Uint8Array];

/** A stable, cheap function of the stream name (computed by SQLite itself) that spreads streams over partitions. */
const PARTITION_OF_STREAM =
  '(length(stream) + unicode(substr(stream, -1)) + 3 * coalesce(unicode(substr(stream, -2, 1)), 0) + 7 * coalesce(unicode(substr(stream, -3, 1)), 0))';

/**
 * The default store: SQLite in-process through better-sqlite3. One connection writes, in
 * `BEGIN IMMEDIATE` transactions, so positions (the rowid) follow commit order and a reader
 * can never see position n+1 before n. WAL lets readers run beside the writer.
 */
export class EmbeddedEventStore implements EventStore {
  readonly kind = 'embedded' as const;
  readonly positionScheme = { kind: 'dense' } as const;
  private readonly db: Database.Database;
  private readonly subscriptions = new Set<PollingSubscription>();
  private readonly stmt: {
    head: Database.Statement<[string], { revision: number; hash: string }>;
    insert: Database.Statement;
    byIds: (n: number) => Database.Statement<string[], EventRow>;
    stream: Database.Statement<[string, number, string, number], EventRow>;
    streamToEnd: Database.Statement<[string, number], EventRow>;
    highestAssigned: Database.Statement<[], { seq: number | bigint }>;
    allRaw: Database.Statement<[number, number], unknown[]>;
    allRawPartition: Database.Statement<[number, number, number, number], unknown[]>;
    hashInputs: Database.Statement<[number, number], unknown[]>;
    hashInputsPartition: Database.Statement<[number, number, number, number], unknown[]>;
    positions: Database.Statement<[number, number], bigint>;
    headPosition: Database.Statement<[], { p: number | bigint | null }>;
  };
  private readonly byIdsCache = new Map<number, Database.Statement<string[], EventRow>>();
  private readonly savepoint: (stream: string, events: NewEvent[], expected: ExpectedRevision, cached?: StreamHead) => AppendResult;
  private readonly batchTx: (work: () => void) => void;
  private readonly pending: PendingAppend[] = [];
  private readonly heads = new HeadCache();
  /** Rows for reading ahead in this thread (see readAhead), prepared when first needed. */
  private projectedRows: ProjectedRowSource | null = null;

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
      // What every command handler does before deciding: the stream to its end. Without the bound
      // LIMIT and time filter a read measured about a quarter faster, decoding included.
      streamToEnd: this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? ORDER BY revision`),
      headPosition: this.db.prepare('SELECT max(position) AS p FROM events'),
      highestAssigned: this.db.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'events'`),
      allRaw: this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE position >= ? ORDER BY position LIMIT ?`),
      allRawPartition: this.db.prepare(
        `SELECT ${COLUMNS} FROM events WHERE position >= ? AND ${PARTITION_OF_STREAM} % ? = ? ORDER BY position LIMIT ?`,
      ),
      positions: this.db.prepare('SELECT position FROM events WHERE position >= ? ORDER BY position LIMIT ?'),
      hashInputs: this.db.prepare(`SELECT ${HASH_INPUT_COLUMNS} FROM events WHERE position >= ? ORDER BY position LIMIT ?`),
      hashInputsPartition: this.db.prepare(
        `SELECT ${HASH_INPUT_COLUMNS} FROM events WHERE position >= ? AND ${PARTITION_OF_STREAM} % ? = ? ORDER BY position LIMIT ?`,
      ),
    };
    this.stmt.highestAssigned.safeIntegers(true);
    // Reading $all (projections, verification): rows as arrays, plain numbers (a position past 2^53 is refused).
    this.stmt.allRaw.raw(true);
    this.stmt.allRawPartition.raw(true);
    this.stmt.hashInputs.raw(true);
    this.stmt.hashInputsPartition.raw(true);
    this.stmt.positions.pluck().safeIntegers(true);
    // Nested better-sqlite3 transactions are savepoints: each append of a batch can fail alone.
    this.savepoint = this.db.transaction(this.attempt);
    const batch = this.db.transaction((work: () => void) => work());
    this.batchTx = (work) => batch.immediate(work);
  }

  /** The underlying connection, for the read-model store sharing the file and for tests. */
  get database(): Database.Database {
    return this.db;
  }

  /** One attempt at writing an append on top of `head`, inside a savepoint of the batch's transaction. */
  private readonly attempt = (stream: string, events: NewEvent[], expected: ExpectedRevision, cached?: StreamHead): AppendResult => {
    const head: StreamHead = cached ?? this.stmt.head.get(stream) ?? NO_STREAM_HEAD;
    checkExpectedRevision(stream, head, expected);
    const texts: PayloadTexts[] = [];
    const records = buildRecords(stream, events, head, this.options.clock.now(), texts);
    records.forEach((r, i) => {
      const info = this.stmt.insert.run(
        r.eventId,
        r.stream,
        r.revision,
        r.type,
        r.schemaVersion,
        texts[i]!.data,
        texts[i]!.metadata,
        r.recordedAt,
        r.prevHash,
        r.hash,
      );
      r.position = BigInt(info.lastInsertRowid);
    });
    const last = records[records.length - 1]!;
    return { alreadyAppended: false, revision: last.revision, position: last.position, events: records };
  };

  /**
   * One append inside the batch's transaction. The cached head is tried first; if it was stale
   * (another process wrote) the (stream, revision) index says so and the file's head is used. A
   * repeated command shows as a taken event id, or, if the stream moved on, as a stale revision:
   * then the original result is returned.
   */
  private appendOne(request: PendingAppend): AppendResult {
    const { stream, events, expected } = request;
    const cached = this.heads.usable(stream, expected);
    try {
      if (cached) {
        try {
          return this.savepoint(stream, events, expected, cached);
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          this.heads.forget(stream);
        }
      }
      return this.savepoint(stream, events, expected, undefined);
    } catch (error) {
      if (!isUniqueViolation(error) && !(error instanceof WrongExpectedRevision)) throw error;
      const commandId = events[0]!.metadata.commandId;
      const ids = candidateEventIds(commandId, events.length);
      const original = originalFromCandidates(commandId, this.stmt.byIds(ids.length).all(...ids).map(toRecorded));
      if (original) return replayResult(stream, events, original);
      throw error instanceof WrongExpectedRevision ? error : new WrongExpectedRevision(stream, expected, this.headRevision(stream));
    }
  }

  /**
   * Group commit: appends that arrive while a commit is being prepared share one transaction and
   * one fsync. Each runs in its own savepoint, so one refused append leaves the others intact,
   * and no caller hears of success before the transaction holding its events has committed.
   */
  async append(stream: string, events: NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    validateAppend(stream, events);
    return new Promise((resolve, reject) => {
      this.pending.push({ stream, events, expected: expectedRevision, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.pending.splice(0, this.pending.length);
    const outcomes: ({ ok: true; result: AppendResult } | { ok: false; error: unknown })[] = [];
    try {
      this.batchTx(() => {
        for (const request of batch) {
          try {
            outcomes.push({ ok: true, result: this.appendOne(request) });
          } catch (error) {
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The commit itself failed: nothing of this batch is durable.
      for (const request of batch) request.reject(error);
      return;
    }
    let written = false;
    batch.forEach((request, i) => {
      const outcome = outcomes[i]!;
      if (!outcome.ok) return request.reject(outcome.error);
      if (!outcome.result.alreadyAppended) {
        const last = outcome.result.events[outcome.result.events.length - 1]!;
        this.heads.remember(request.stream, { revision: last.revision, hash: last.hash });
        written = true;
      }
      request.resolve(outcome.result);
    });
    if (written) for (const s of this.subscriptions) s.notify();
  }

  private headRevision(stream: string): number | 'no_stream' {
    return this.stmt.head.get(stream)?.revision ?? 'no_stream';
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    if (options.maxCount === undefined && !options.until) return this.stmt.streamToEnd.all(stream, options.fromRevision ?? 0).map(toRecorded);
    return this.stmt.stream
      .all(stream, options.fromRevision ?? 0, options.until ? normalizeInstant(options.until) : '9999-12-31T23:59:59.999Z', options.maxCount ?? -1)
      .map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.readAllSync(options.fromPosition ?? 0n, options.maxCount ?? 1000);
  }

  async readAllStored(options: ReadStoredOptions = {}): Promise<StoredEvent[]> {
    const from = options.fromPosition ?? 0n;
    if (from > BigInt(Number.MAX_SAFE_INTEGER)) return [];
    const max = options.maxCount ?? 1000;
    const part = options.partition;
    if (options.hashInput) {
      const rows = (part ? this.stmt.hashInputsPartition.all(Number(from), part.count, part.index, max) : this.stmt.hashInputs.all(Number(from), max)) as HashInputRow[];
      return rows.map((r) => {
        if (!Number.isSafeInteger(r[0])) throw new Error(`position ${r[0]} is beyond what the embedded store assigns`);
        return { position: BigInt(r[0]), stream: r[1], revision: r[2], type: r[3], prevHash: r[4], hash: r[5], hashInput: r[6], eventId: '', recordedAt: '', schemaVersion: 0, data: '', metadata: '' };
      });
    }
    return this.rawRows(from, max, part).map((r) => fromRaw(r, r[6], r[7]));
  }

  /** On a reader thread of its own where it can (see projectedReader): not for an in-memory store. */
  readAhead(fromPosition: bigint, batchSize: number): AllReader {
    const source = this.db.memory ? null : ({ kind: 'embedded', file: this.db.name } as const);
    this.projectedRows ??= projectedRowSource(this.db);
    return projectedReader(source, this.projectedRows, fromPosition, batchSize);
  }

  async readPositions(options: ReadAllOptions = {}): Promise<bigint[]> {
    const from = options.fromPosition ?? 0n;
    if (from > BigInt(Number.MAX_SAFE_INTEGER)) return [];
    return this.stmt.positions.all(Number(from), options.maxCount ?? 1000);
  }

  /** AUTOINCREMENT keeps the highest rowid ever used in sqlite_sequence, even after a delete. */
  async highestAssignedPosition(): Promise<bigint> {
    const seq = this.stmt.highestAssigned.get()?.seq;
    return seq == null ? 0n : BigInt(seq);
  }

  private readAllSync(fromPosition: bigint, maxCount: number): RecordedEvent[] {
    return this.rawRows(fromPosition, maxCount).map((r) => fromRaw(r, JSON.parse(r[6]), JSON.parse(r[7]) as EventMetadata));
  }

  /** Rows of `$all` (COLUMNS as arrays) from a position, of one partition of the streams if given; none past what the store assigns. */
  private rawRows(from: bigint, max: number, part?: ReadStoredOptions['partition']): RawRow[] {
    if (from > BigInt(Number.MAX_SAFE_INTEGER)) return [];
    return (part ? this.stmt.allRawPartition.all(Number(from), part.count, part.index, max) : this.stmt.allRaw.all(Number(from), max)) as RawRow[];
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

function toStored(row: EventRow): StoredEvent {
  return {
    eventId: row.event_id,
    type: row.type,
    schemaVersion: Number(row.schema_version),
    stream: row.stream,
    revision: Number(row.revision),
    position: BigInt(row.position),
    recordedAt: row.recorded_at,
    data: row.data,
    metadata: row.metadata,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function toRecorded(row: EventRow): RecordedEvent {
  const stored = toStored(row);
  return { ...stored, data: JSON.parse(stored.data), metadata: JSON.parse(stored.metadata) };
}

/** An event of $all from a row of COLUMNS as an array, with its payload and metadata as given (text or parsed). */
function fromRaw<D, M>(r: RawRow, data: D, metadata: M) {
  if (!Number.isSafeInteger(r[0])) throw new Error(`position ${r[0]} is beyond what the embedded store assigns`);
  return { position: BigInt(r[0]), eventId: r[1], stream: r[2], revision: r[3], type: r[4], schemaVersion: r[5], data, metadata, recordedAt: r[8], prevHash: r[9], hash: r[10] };
}
