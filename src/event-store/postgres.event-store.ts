import pg from 'pg';
import { isoTimestampTypes, PG_UTC_SESSION } from '../persistence/pg-session.js';
import type { Clock } from '../shared/clock.js';
import { normalizeInstant } from '../shared/time.js';
import {
  buildRecords,
  checkExpectedRevision,
  HeadCache,
  isUniqueViolation,
  NO_STREAM_HEAD,
  type PayloadTexts,
  resolveConflict,
  type StreamHead,
  validateAppend,
} from './append-core.js';
import type { NewEvent, RecordedEvent } from './envelope.js';
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
import { projectedReader, type ProjectedRow } from './read-ahead.js';

export interface PostgresStoreOptions {
  connectionString: string;
  /** Schema holding the store's tables; created if missing. */
  schema: string;
  clock: Clock;
  poolSize?: number;
  pollMs?: number;
  /** Only reads an existing store: no migration (no lock, no CREATE rights needed). */
  readOnly?: boolean;
}

/**
 * Global positions on PostgreSQL encode the writing transaction's id and the event's index in
 * it: position = (xid8 << 16) + index. A reader only returns events whose transaction id lies
 * below the oldest transaction still running (`pg_snapshot_xmin(pg_current_snapshot())`): every
 * transaction under that horizon has finished, so no event can later appear at a position a
 * reader has already passed. A transaction held open holds every reader back until it ends;
 * nothing is ever skipped on a timeout.
 */
export const POSITION_SHIFT = 16n;

/** Fewer rows than this are not worth a read of their own (see ranges). */
const MIN_RANGE_ROWS = 100;
const VALUES_LIMIT = 100;
const INSERT_COLUMNS = 'position, event_id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * What an event's hash covers (see hashOfParts), assembled by PostgreSQL from the stored columns:
 * payload and metadata as the `json` text stored, recordedAt in the ISO form the clock gave, stream
 * and type JSON-escaped by PostgreSQL. Ids and hashes are generated hex and go in unescaped: an
 * edited one with characters JSON would escape gives a text that does not match, and verification
 * then checks that event the long way.
 */
export const HASHED_TEXT = `pg_catalog.format(
  '{"data":%s,"eventId":"%s","metadata":%s,"prevHash":"%s","recordedAt":"%s","revision":%s,"schemaVersion":%s,"stream":%s,"type":%s}',
  data, event_id, metadata, prev_hash, pg_catalog.to_char(recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
  revision, schema_version, pg_catalog.to_json(stream), pg_catalog.to_json(type))`;

/**
 * The database's verdict on each stored hash: SHA-256 of the assembled text by the server's
 * built-in function (schema-qualified, so a function of the same name elsewhere cannot stand in).
 */
const HASH_VERDICT_COLUMNS = `position::text AS position, stream, revision, prev_hash, hash,
  pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(${HASHED_TEXT}, 'UTF8')), 'hex') = hash AS hash_holds`;

interface EventRow {
  position: string;
  event_id: string;
  stream: string;
  revision: number;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  recorded_at: string;
  prev_hash: string;
  hash: string;
}

/**
 * What a `$all` read selects and how a row becomes a result: rows as objects keyed by column, or,
 * with `rowMode: 'array'`, as arrays of the columns in order (less to build for the reads of
 * every event).
 */
type RowQuery<T> = (
  | { columns: string; map: (row: EventRow) => T; rowMode?: undefined }
  | { columns: string; map: (row: unknown[]) => T; rowMode: 'array' }
) & {
  /** Only rows for which this SQL condition holds. */
  filter?: string;
  /** Read a batch as this many consecutive ranges at once (for reads whose cost is the server's). */
  ranges?: number;
  /** A result's position: what the read's horizon and its next start are found from. */
  position: (result: T) => bigint;
};

/** The position of a result that carries it as a bigint. */
const ownPosition = (result: { position: bigint }): bigint => result.position;

export class PostgresEventStore implements EventStore {
  readonly kind = 'postgres' as const;
  readonly positionScheme = { kind: 'transaction', shift: POSITION_SHIFT } as const;
  readonly pool: pg.Pool;
  private readonly t: { events: string };
  /** Makes the usual append (a command that just read its stream) one round trip. */
  private readonly heads = new HeadCache();
  private readonly subscriptions = new Set<PollingSubscription>();
  private readonly columns =
    'position::text AS position, event_id::text AS event_id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash';
  private readonly storedColumns =
    'position::text AS position, event_id::text AS event_id, stream, revision, type, schema_version, data::text AS data, metadata::text AS metadata, recorded_at, prev_hash, hash';

  private constructor(private readonly options: PostgresStoreOptions) {
    if (!SCHEMA_NAME.test(options.schema)) throw new Error(`invalid PostgreSQL schema name: ${options.schema}`);
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolSize ?? 10,
      // Sessions in UTC, and timestamptz handed over as ISO text: recordedAt without a Date.
      options: PG_UTC_SESSION,
      types: isoTimestampTypes,
    });
    this.pool.on('error', () => undefined); // idle-client errors surface on the next query
    this.t = { events: `${options.schema}.events` };
  }

  /** Connects and creates the schema if needed (safe to run from several instances at once). */
  static async open(options: PostgresStoreOptions): Promise<PostgresEventStore> {
    const store = new PostgresEventStore(options);
    if (options.readOnly) return store;
    try {
      await store.migrate();
    } catch (error) {
      await store.pool.end();
      throw error;
    }
    return store;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('service-ledger:migrate'))`);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.options.schema}`);
      // Payload and metadata are `json`, which keeps the text as written: the canonical JSON that was
      // hashed, so verification hashes the stored text itself (jsonb would re-form it).
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${this.t.events} (
          position       bigint      PRIMARY KEY,
          event_id       uuid        NOT NULL UNIQUE,
          stream         text        NOT NULL,
          revision       integer     NOT NULL,
          type           text        NOT NULL,
          schema_version integer     NOT NULL,
          data           json        NOT NULL,
          metadata       json        NOT NULL,
          recorded_at    timestamptz NOT NULL,
          prev_hash      text        NOT NULL,
          hash           text        NOT NULL,
          UNIQUE (stream, revision)
        )`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async append(stream: string, events: NewEvent[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    const result = await this.appendUsing(this.pool, stream, events, expectedRevision);
    if (!result.alreadyAppended) {
      const last = result.events[result.events.length - 1]!;
      this.heads.remember(stream, { revision: last.revision, hash: last.hash });
      for (const s of this.subscriptions) s.notify();
    }
    return result;
  }

  /**
   * The append on a given connection: normally the pool (each append is its own single-statement
   * transaction); tests pass a client inside an open transaction to hold it open.
   */
  async appendUsing(
    db: pg.Pool | pg.ClientBase,
    stream: string,
    events: NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    validateAppend(stream, events);
    // A transaction held by the caller may still roll back: only the pool's appends use the cache.
    const cached = db === this.pool ? this.heads.usable(stream, expected) : undefined;
    if (cached) {
      try {
        return await this.insert(db, stream, events, cached);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        this.heads.forget(stream); // stale (another process wrote) or a repeated command: ask the database
      }
    }
    const head = await this.readHead(db, stream);
    try {
      checkExpectedRevision(stream, head, expected);
    } catch (error) {
      return resolveConflict(stream, events, (ids) => this.byIds(db, ids), () => error as Error);
    }
    try {
      return await this.insert(db, stream, events, head);
    } catch (error) {
      // The revision was taken by a concurrent writer, or this command's event ids exist.
      if (!isUniqueViolation(error)) throw error;
      return resolveConflict(
        stream,
        events,
        (ids) => this.byIds(this.pool, ids),
        async () => {
          const actual = await this.readHead(this.pool, stream);
          return new WrongExpectedRevision(stream, expected, actual.revision < 0 ? 'no_stream' : actual.revision);
        },
      );
    }
  }

  /** One statement, so one implicit transaction: all of the append's events or none. */
  private async insert(db: pg.Pool | pg.ClientBase, stream: string, events: NewEvent[], head: StreamHead): Promise<AppendResult> {
    const texts: PayloadTexts[] = [];
    const records = buildRecords(stream, events, head, this.options.clock.now(), texts);
    const { rows } = records.length <= VALUES_LIMIT ? await this.insertValues(db, records, texts) : await this.insertUnnest(db, records, texts);
    // Positions within one append are consecutive: (xid << 16) + index.
    const first = rows.map((r) => BigInt(r.position)).reduce((a, b) => (b < a ? b : a));
    records.forEach((r, i) => (r.position = first + BigInt(i)));
    const last = records[records.length - 1]!;
    return { alreadyAppended: false, revision: last.revision, position: last.position, events: records };
  }

  /** The common case (a command's few events): plain VALUES rows, cheapest to encode and plan. */
  private insertValues(db: pg.Pool | pg.ClientBase, records: RecordedEvent[], texts: PayloadTexts[]) {
    const params: unknown[] = [];
    const tuples = records.map((r, i) => {
      const at = params.length;
      params.push(r.eventId, r.stream, r.revision, r.type, r.schemaVersion, texts[i]!.data, texts[i]!.metadata, r.recordedAt, r.prevHash, r.hash);
      const p = (n: number) => `$${at + n}`;
      return `((pg_current_xact_id()::text::bigint << ${POSITION_SHIFT}) + ${i}, ${p(1)}::uuid, ${p(2)}, ${p(3)}::int, ${p(4)}, ${p(5)}::int, ${p(6)}::json, ${p(7)}::json, ${p(8)}::timestamptz, ${p(9)}, ${p(10)})`;
    });
    return db.query<{ position: string }>(
      `INSERT INTO ${this.t.events} (${INSERT_COLUMNS}) VALUES ${tuples.join(', ')} RETURNING position::text AS position`,
      params,
    );
  }

  /** Large appends: one array per column, so the parameter count stays fixed. */
  private insertUnnest(db: pg.Pool | pg.ClientBase, records: RecordedEvent[], texts: PayloadTexts[]) {
    return db.query<{ position: string }>(
      `INSERT INTO ${this.t.events} (${INSERT_COLUMNS})
       SELECT (pg_current_xact_id()::text::bigint << ${POSITION_SHIFT}) + e.ord - 1, e.event_id, e.stream, e.revision, e.type,
              e.schema_version, e.data, e.metadata, e.recorded_at, e.prev_hash, e.hash
       FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::int[], $6::json[], $7::json[], $8::timestamptz[], $9::text[], $10::text[])
            WITH ORDINALITY AS e(event_id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash, ord)
       RETURNING position::text AS position`,
      [
        records.map((r) => r.eventId),
        records.map((r) => r.stream),
        records.map((r) => r.revision),
        records.map((r) => r.type),
        records.map((r) => r.schemaVersion),
        texts.map((t) => t.data),
        texts.map((t) => t.metadata),
        records.map((r) => r.recordedAt),
        records.map((r) => r.prevHash),
        records.map((r) => r.hash),
      ],
    );
  }

  private async readHead(db: pg.Pool | pg.ClientBase, stream: string): Promise<StreamHead> {
    const { rows } = await db.query<{ revision: number; hash: string }>(
      `SELECT revision, hash FROM ${this.t.events} WHERE stream = $1 ORDER BY revision DESC LIMIT 1`,
      [stream],
    );
    return rows[0] ?? NO_STREAM_HEAD;
  }

  private async byIds(db: pg.Pool | pg.ClientBase, ids: string[]): Promise<RecordedEvent[]> {
    const { rows } = await db.query<EventRow>(`SELECT ${this.columns} FROM ${this.t.events} WHERE event_id = ANY($1::uuid[])`, [ids]);
    return rows.map(toRecorded);
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${this.columns} FROM ${this.t.events}
       WHERE stream = $1 AND revision >= $2 AND ($3::timestamptz IS NULL OR recorded_at <= $3)
       ORDER BY revision LIMIT $4`,
      [stream, options.fromRevision ?? 0, options.until ? normalizeInstant(options.until) : null, options.maxCount ?? null],
    );
    const events = rows.map(toRecorded);
    const last = events[events.length - 1];
    // A read to the end of the stream saw its head (what a command handler does before it appends).
    if (last && options.maxCount === undefined && !options.until) this.heads.remember(stream, { revision: last.revision, hash: last.hash });
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.readAllRows(options, { columns: this.columns, map: toRecorded, position: ownPosition });
  }

  async readAllStored(options: ReadStoredOptions = {}): Promise<StoredEvent[]> {
    const part = options.partition;
    // hashtext is PostgreSQL's own stable hash of a text; as bigint so abs() cannot overflow.
    const filter = part ? `abs(hashtext(stream)::bigint) % ${Number(part.count)} = ${Number(part.index)}` : undefined;
    return this.readAllRows(
      options,
      // Hashing is the server's work: a batch is split in ranges hashed by several backends at once.
      options.hashInput ? { columns: HASH_VERDICT_COLUMNS, map: toHashVerdict, rowMode: 'array', filter, ranges: 3, position: ownPosition }
        : { columns: this.storedColumns, map: toStored, filter, position: ownPosition },
    );
  }

  /** On a reader thread of its own with a pool of its own, where it can (see projectedReader). */
  readAhead(fromPosition: bigint, batchSize: number): AllReader {
    const source = { kind: 'postgres', connectionString: this.options.connectionString, schema: this.options.schema } as const;
    return projectedReader(source, (from, max) => this.readProjectedRows(from, max), fromPosition, batchSize);
  }

  /** `$all` as projections read it (see ProjectedRow): the payload as its text, of the metadata only the actor, taken out by the server. */
  async readProjectedRows(fromPosition: bigint, maxCount: number): Promise<ProjectedRow[]> {
    return this.readAllRows({ fromPosition, maxCount }, { columns: PROJECTED_COLUMNS, map: (row) => row as ProjectedRow, rowMode: 'array', position: (row) => BigInt(row[0]) });
  }

  async readPositions(options: ReadAllOptions = {}): Promise<bigint[]> {
    return (await this.readAllRows(options, { columns: 'position::text AS position', map: (row) => ({ position: BigInt(row.position) }), position: ownPosition })).map((r) => r.position);
  }

  private async readAllRows<T>(options: ReadAllOptions, query: RowQuery<T>): Promise<T[]> {
    const from = options.fromPosition ?? 0n;
    const maxCount = options.maxCount ?? 1000;
    // An older horizon is always safe (every transaction below it had finished then, so it still
    // has): reuse it while catching up, and ask for a fresh one when the read reaches it.
    let horizon = this.horizon;
    if (from >= horizon) horizon = await this.refreshHorizon();
    let events = await this.ranges(from, horizon, maxCount, query);
    if (events.length < maxCount) {
      const fresh = await this.refreshHorizon();
      if (fresh > horizon) {
        const next = events.length > 0 ? query.position(events[events.length - 1]!) + 1n : from;
        events = events.concat(await this.range(next, fresh, maxCount - events.length, query));
      }
    }
    return events;
  }

  /**
   * A range read split in `query.ranges` consecutive ranges read at once, each on a connection of
   * its own: the position where each range ends is found first (a cheap index scan), so together
   * they return exactly what one read would.
   */
  private async ranges<T>(from: bigint, below: bigint, maxCount: number, query: RowQuery<T>): Promise<T[]> {
    const parts = query.ranges ?? 1;
    const size = Math.ceil(maxCount / parts);
    if (parts < 2 || query.filter || size < MIN_RANGE_ROWS) return this.range(from, below, maxCount, query);
    // Where the ranges after the first start: every size-th position from `from`, in one index scan.
    const { rows } = await this.pool.query<{ position: string }>(
      `SELECT position::text AS position FROM (
         SELECT position, row_number() OVER (ORDER BY position) - 1 AS n
         FROM (SELECT position FROM ${this.t.events} WHERE position >= $1 ORDER BY position LIMIT $2) AS head
       ) AS numbered WHERE n > 0 AND n % $3 = 0 ORDER BY n`,
      [from.toString(), size * (parts - 1) + 1, size],
    );
    const starts = [from, ...rows.map((r) => BigInt(r.position)).filter((start) => start < below)];
    const reads = starts.map((start, i) => this.range(start, starts[i + 1] ?? below, i < starts.length - 1 ? size : maxCount - size * i, query));
    return (await Promise.all(reads)).flat();
  }

  /** The last horizon seen: positions below it belong to finished transactions. */
  private horizon = 0n;

  /**
   * Positions below (oldest running xid << 16) can no longer appear: every transaction that could
   * still write one has finished.
   */
  private async refreshHorizon(): Promise<bigint> {
    const { rows } = await this.pool.query<{ h: string }>(
      `SELECT (pg_snapshot_xmin(pg_current_snapshot())::text::bigint << ${POSITION_SHIFT})::text AS h`,
    );
    const h = BigInt(rows[0]!.h);
    if (h > this.horizon) this.horizon = h;
    return h;
  }

  /**
   * The next events from `from`, cut at the horizon in code: a bound the planner cannot estimate
   * (or a fresh table without statistics) would turn the index range scan into a scan and sort.
   */
  private async range<T>(from: bigint, below: bigint, maxCount: number, query: RowQuery<T>): Promise<T[]> {
    if (from >= below || maxCount <= 0) return [];
    const sql = `SELECT ${query.columns} FROM ${this.t.events} WHERE position >= $1${query.filter ? ` AND ${query.filter}` : ''} ORDER BY ${this.t.events}.position LIMIT $2`;
    const params = [from.toString(), maxCount];
    const request = { text: sql, values: params, rowMode: query.rowMode };
    const { rows } = query.filter ? await this.indexScan(request) : await this.pool.query(request);
    const map = query.map as (row: unknown) => T;
    const events: T[] = [];
    for (const row of rows) {
      const event = map(row);
      if (query.position(event) >= below) break;
      events.push(event);
    }
    return events;
  }

  /**
   * A query the planner must answer from the position index. A filter it cannot estimate (a
   * partition of the streams matches half the rows, it guesses 0.5%) would otherwise have it scan
   * and sort the whole table for every batch.
   */
  private async indexScan(request: pg.QueryConfig): Promise<pg.QueryResult> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN READ ONLY');
      await client.query('SET LOCAL enable_seqscan = off');
      const result = await client.query(request);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  subscribeAll(options: SubscribeOptions = {}): AllSubscription {
    const subscription: PollingSubscription = new PollingSubscription(
      (fromPosition, maxCount) => this.readAll({ fromPosition, maxCount }),
      options.fromPosition ?? 0n,
      options.batchSize ?? 500,
      // Appends in this process wake subscribers at once; other processes' appends are seen on the next poll.
      this.options.pollMs ?? 100,
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async headPosition(): Promise<bigint> {
    const { rows } = await this.pool.query<{ p: string | null }>(
      `SELECT max(position)::text AS p FROM ${this.t.events} WHERE position < $1`,
      [(await this.refreshHorizon()).toString()],
    );
    return rows[0]?.p ? BigInt(rows[0].p) : 0n;
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    for (const s of [...this.subscriptions]) await s.close();
    await this.pool.end();
  }
}

function toStored(row: EventRow): StoredEvent {
  return { ...toRecorded(row), data: row.data as string, metadata: row.metadata as unknown as string };
}

/** The chain fields and the database's verdict on the stored hash; the rest is left out (see ReadStoredOptions.hashInput). */
function toHashVerdict(row: unknown[]): StoredEvent {
  const [position, stream, revision, prevHash, hash, holds] = row as [string, string, number, string, string, boolean];
  return { eventId: '', type: '', schemaVersion: 0, stream, revision, position: BigInt(position), recordedAt: '', data: '', metadata: '', prevHash, hash, hashHolds: holds === true };
}

const PROJECTED_COLUMNS =
  "position::text, event_id::text, stream, revision, type, schema_version, data::text, metadata -> 'actor' ->> 'id', metadata -> 'actor' ->> 'role', recorded_at";

function toRecorded(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    stream: row.stream,
    revision: row.revision,
    position: BigInt(row.position),
    recordedAt: row.recorded_at,
    data: row.data,
    metadata: row.metadata,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
