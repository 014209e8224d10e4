import pg from 'pg';
import type { Clock } from '../shared/clock.js';
import { normalizeInstant } from '../shared/time.js';
import {
  buildRecords,
  candidateEventIds,
  checkExpectedRevision,
  NO_STREAM_HEAD,
  originalFromCandidates,
  replayResult,
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

export interface PostgresStoreOptions {
  connectionString: string;
  /** Schema holding the store's tables; created if missing. */
  schema: string;
  clock: Clock;
  poolSize?: number;
  pollMs?: number;
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

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

interface EventRow {
  position: string;
  event_id: string;
  stream: string;
  revision: number;
  type: string;
  schema_version: number;
  data: unknown;
  metadata: RecordedEvent['metadata'];
  recorded_at: Date;
  prev_hash: string;
  hash: string;
}

export class PostgresEventStore implements EventStore {
  readonly kind = 'postgres' as const;
  readonly pool: pg.Pool;
  private readonly t: { events: string; streams: string };
  private readonly subscriptions = new Set<PollingSubscription>();
  private listener: pg.Client | null = null;
  private readonly channel: string;
  private readonly columns =
    'position::text AS position, event_id::text AS event_id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash';

  private constructor(private readonly options: PostgresStoreOptions) {
    if (!SCHEMA_NAME.test(options.schema)) throw new Error(`invalid PostgreSQL schema name: ${options.schema}`);
    this.pool = new pg.Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10 });
    this.pool.on('error', () => undefined); // idle-client errors surface on the next query
    this.t = { events: `${options.schema}.events`, streams: `${options.schema}.streams` };
    this.channel = `${options.schema}_events`;
  }

  /** Connects and creates the schema if needed (safe to run from several instances at once). */
  static async open(options: PostgresStoreOptions): Promise<PostgresEventStore> {
    const store = new PostgresEventStore(options);
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
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${this.t.streams} (
          stream   text    PRIMARY KEY,
          revision integer NOT NULL,
          hash     text    NOT NULL
        )`);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${this.t.events} (
          position       bigint      PRIMARY KEY,
          event_id       uuid        NOT NULL UNIQUE,
          stream         text        NOT NULL,
          revision       integer     NOT NULL,
          type           text        NOT NULL,
          schema_version integer     NOT NULL,
          data           jsonb       NOT NULL,
          metadata       jsonb       NOT NULL,
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
    return this.appendUsing(this.pool, stream, events, expectedRevision);
  }

  /**
   * The append on a given connection. Normally the pool (each append its own transaction);
   * tests pass a client inside an open transaction to hold it open.
   */
  async appendUsing(
    db: pg.Pool | pg.ClientBase,
    stream: string,
    events: NewEvent[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    const commandId = validateAppend(stream, events);
    const ids = candidateEventIds(commandId, events.length);
    // One round trip: the command's earlier events, if any, and the stream head.
    const { rows } = await db.query<EventRow & { kind: 'event' | 'head' }>(
      `SELECT 'event' AS kind, ${this.columns} FROM ${this.t.events} WHERE event_id = ANY($1::uuid[])
       UNION ALL
       SELECT 'head', NULL, NULL, stream, revision, NULL, NULL, NULL, NULL, NULL, NULL, hash FROM ${this.t.streams} WHERE stream = $2`,
      [ids, stream],
    );
    const original = originalFromCandidates(commandId, rows.filter((r) => r.kind === 'event').map(toRecorded));
    if (original) return replayResult(stream, events, original);
    const headRow = rows.find((r) => r.kind === 'head');
    const head: StreamHead = headRow ? { revision: headRow.revision, hash: headRow.hash } : NO_STREAM_HEAD;
    checkExpectedRevision(stream, head, expected);
    const records = buildRecords(stream, events, head, this.options.clock.now());
    const last = records[records.length - 1]!;
    // The head row is the stream's lock: a concurrent writer that read the same head finds it
    // moved (or already inserted) and inserts nothing.
    const headStep =
      head.revision < 0
        ? `INSERT INTO ${this.t.streams} (stream, revision, hash) SELECT $1, $2, $3 WHERE $4::int < 0 ON CONFLICT (stream) DO NOTHING RETURNING 1`
        : `UPDATE ${this.t.streams} SET revision = $2, hash = $3 WHERE stream = $1 AND revision = $4 RETURNING 1`;
    let inserted: { n: number; positions: string[] | null };
    try {
      const result = await db.query<{ n: number; positions: string[] | null }>(
        `WITH head AS (${headStep}),
         ins AS (
           INSERT INTO ${this.t.events}
             (position, event_id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
           SELECT (pg_current_xact_id()::text::bigint << ${POSITION_SHIFT}) + e.ord - 1, e.event_id, $1, e.revision, e.type,
                  e.schema_version, e.data, e.metadata, e.recorded_at, e.prev_hash, e.hash
           FROM unnest($5::uuid[], $6::int[], $7::text[], $8::int[], $9::jsonb[], $10::jsonb[], $11::timestamptz[], $12::text[], $13::text[])
                WITH ORDINALITY AS e(event_id, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash, ord)
           WHERE EXISTS (SELECT 1 FROM head)
           RETURNING position
         ),
         notified AS (SELECT pg_notify('${this.channel}', '') FROM head)
         SELECT (SELECT count(*)::int FROM ins) AS n,
                (SELECT array_agg(position::text ORDER BY position) FROM ins) AS positions,
                (SELECT count(*) FROM notified) AS notified`,
        [
          stream,
          last.revision,
          last.hash,
          head.revision,
          records.map((r) => r.eventId),
          records.map((r) => r.revision),
          records.map((r) => r.type),
          records.map((r) => r.schemaVersion),
          records.map((r) => JSON.stringify(r.data)),
          records.map((r) => JSON.stringify(r.metadata)),
          records.map((r) => r.recordedAt),
          records.map((r) => r.prevHash),
          records.map((r) => r.hash),
        ],
      );
      inserted = result.rows[0]!;
    } catch (error) {
      // A concurrent append of the same command or revision won the unique index.
      if ((error as { code?: string }).code === '23505') return this.afterLostRace(db, stream, events, expected);
      throw error;
    }
    if (inserted.n !== records.length) return this.afterLostRace(db, stream, events, expected);
    records.forEach((r, i) => (r.position = BigInt(inserted.positions![i]!)));
    return { alreadyAppended: false, revision: last.revision, position: last.position, events: records };
  }

  /** Another writer moved the stream between our read and write: a repeat of this command, or a real conflict. */
  private async afterLostRace(
    db: pg.Pool | pg.ClientBase,
    stream: string,
    events: NewEvent[],
    expected: ExpectedRevision,
  ): Promise<never | AppendResult> {
    const commandId = events[0]!.metadata.commandId;
    const ids = candidateEventIds(commandId, events.length);
    const { rows } = await db.query<EventRow>(`SELECT ${this.columns} FROM ${this.t.events} WHERE event_id = ANY($1::uuid[])`, [ids]);
    const original = originalFromCandidates(commandId, rows.map(toRecorded));
    if (original) return replayResult(stream, events, original);
    const head = await db.query<{ revision: number }>(`SELECT revision FROM ${this.t.streams} WHERE stream = $1`, [stream]);
    throw new WrongExpectedRevision(stream, expected, head.rows[0]?.revision ?? 'no_stream');
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${this.columns} FROM ${this.t.events}
       WHERE stream = $1 AND revision >= $2 AND ($3::timestamptz IS NULL OR recorded_at <= $3)
       ORDER BY revision LIMIT $4`,
      [stream, options.fromRevision ?? 0, options.until ? normalizeInstant(options.until) : null, options.maxCount ?? null],
    );
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${this.columns} FROM ${this.t.events}
       WHERE position >= $1 AND position < (pg_snapshot_xmin(pg_current_snapshot())::text::bigint << ${POSITION_SHIFT})
       ORDER BY position LIMIT $2`,
      [(options.fromPosition ?? 0n).toString(), options.maxCount ?? 1000],
    );
    return rows.map(toRecorded);
  }

  subscribeAll(options: SubscribeOptions = {}): AllSubscription {
    const subscription: PollingSubscription = new PollingSubscription(
      (fromPosition, maxCount) => this.readAll({ fromPosition, maxCount }),
      options.fromPosition ?? 0n,
      options.batchSize ?? 500,
      this.options.pollMs ?? 250,
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    void this.listen();
    return subscription;
  }

  /** One LISTEN connection wakes every subscription of this process when an append commits anywhere. */
  private async listen(): Promise<void> {
    if (this.listener) return;
    const client = new pg.Client({ connectionString: this.options.connectionString });
    this.listener = client;
    client.on('error', () => {
      // Subscriptions fall back to polling; the next subscribeAll reconnects.
      if (this.listener === client) this.listener = null;
    });
    client.on('notification', () => {
      for (const s of this.subscriptions) s.notify();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch {
      if (this.listener === client) this.listener = null;
      await client.end().catch(() => undefined);
    }
  }

  async headPosition(): Promise<bigint> {
    const { rows } = await this.pool.query<{ p: string | null }>(
      `SELECT max(position)::text AS p FROM ${this.t.events}
       WHERE position < (pg_snapshot_xmin(pg_current_snapshot())::text::bigint << ${POSITION_SHIFT})`,
    );
    return rows[0]?.p ? BigInt(rows[0].p) : 0n;
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    for (const s of [...this.subscriptions]) await s.close();
    const listener = this.listener;
    this.listener = null;
    if (listener) await listener.end().catch(() => undefined);
    await this.pool.end();
  }
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    eventId: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    stream: row.stream,
    revision: row.revision,
    position: BigInt(row.position),
    recordedAt: row.recorded_at.toISOString(),
    data: row.data,
    metadata: row.metadata,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}
