/**
 * bench/append: 100,000 events as 20,000 streams x 5 single-event appends through the port (what
 * a command handler does), then all of them read back through readAll. In the same run, the raw
 * driver inserts the very same rows (same ids, payloads and hashes) into a twin table without the
 * port; port and raw inserts alternate one by one, so both see the same disk, cache and WAL state
 * and the ratio shows the port's own cost.
 *
 *   npm run bench:append                      # embedded, and PostgreSQL when DATABASE_URL is set
 *   npm run bench:append -- --streams 2000    # a quicker, smaller run
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildRecords, NO_STREAM_HEAD, type StreamHead } from '../src/event-store/append-core.js';
import { EmbeddedEventStore } from '../src/event-store/embedded.event-store.js';
import type { NewEvent, RecordedEvent } from '../src/event-store/envelope.js';
import type { EventStore } from '../src/event-store/event-store.port.js';
import { PostgresEventStore } from '../src/event-store/postgres.event-store.js';
import { FixedClock } from '../src/shared/clock.js';
import { numberArg } from './args.js';

const STREAMS = numberArg('streams', 20_000);
const PER_STREAM = numberArg('per-stream', 5);
const TOTAL = STREAMS * PER_STREAM;
const READ_BATCH = 1000;
const T0 = '2026-01-01T00:00:00.000Z';

function event(stream: number, revision: number): NewEvent {
  const commandId = `bench-${stream}-${revision}`;
  return {
    type: 'PartUsed',
    schemaVersion: 1,
    data: { orderId: `o${stream}`, lineId: `l${revision}`, code: 'CAP-35UF', quantity: 1, unitPriceFen: 4500, amountFen: 4500, payer: 'customer' },
    metadata: { actor: { id: 'eng-1', role: 'engineer' }, commandId, correlationId: commandId, causationId: commandId },
  };
}

type Row = [string, string, number, string, number, string, string, string, string, string];

/** The row the port writes for (stream, revision), prepared outside the timed section. */
function rowFor(heads: Map<number, StreamHead>, s: number, r: number): Row {
  const [rec] = buildRecords(`order-${s}`, [event(s, r)], heads.get(s) ?? NO_STREAM_HEAD, T0) as [RecordedEvent];
  heads.set(s, { revision: rec.revision, hash: rec.hash });
  return [rec.eventId, rec.stream, rec.revision, rec.type, rec.schemaVersion, JSON.stringify(rec.data), JSON.stringify(rec.metadata), rec.recordedAt, rec.prevHash, rec.hash];
}

interface Engine {
  name: string;
  store: EventStore;
  rawInsert(row: Row): Promise<void> | void;
  /** Reads the twin table back in batches like readAll does, parsing payloads; returns rows read. */
  rawReadBatch(fromPosition: bigint): Promise<{ count: number; last: bigint }> | { count: number; last: bigint };
  close(): Promise<void>;
}

async function run(engine: Engine): Promise<void> {
  const heads = new Map<number, StreamHead>();
  let portMs = 0;
  let rawMs = 0;
  for (let r = 0; r < PER_STREAM; r++) {
    for (let s = 0; s < STREAMS; s++) {
      const row = rowFor(heads, s, r);
      let t = performance.now();
      await engine.store.append(`order-${s}`, [event(s, r)], r === 0 ? 'no_stream' : r - 1);
      portMs += performance.now() - t;
      t = performance.now();
      await engine.rawInsert(row);
      rawMs += performance.now() - t;
    }
  }

  let read = 0;
  let stalls = 0;
  let t = performance.now();
  for (let from = 0n; read < TOTAL; ) {
    const batch = await engine.store.readAll({ fromPosition: from, maxCount: READ_BATCH });
    if (batch.length === 0) {
      // PostgreSQL: a transaction elsewhere in the cluster (autovacuum's ANALYZE, say) holds the horizon; wait, never skip.
      stalls++;
      await new Promise((resolve) => setTimeout(resolve, 2));
      continue;
    }
    read += batch.length;
    from = batch[batch.length - 1]!.position + 1n;
  }
  const portReadMs = performance.now() - t;
  let rawRead = 0;
  t = performance.now();
  for (let from = 0n; rawRead < TOTAL; ) {
    const { count, last } = await engine.rawReadBatch(from);
    if (count === 0) break;
    rawRead += count;
    from = last + 1n;
  }
  const rawReadMs = performance.now() - t;

  const rate = (n: number, ms: number) => Math.round((n * 1000) / ms);
  const pct = (port: number, raw: number) => `${(((raw - port) / raw) * 100).toFixed(1)}%`;
  const p = { append: rate(TOTAL, portMs), read: rate(read, portReadMs) };
  const b = { append: rate(TOTAL, rawMs), read: rate(rawRead, rawReadMs) };
  console.log(`\n${engine.name}: ${STREAMS} streams x ${PER_STREAM} single-event appends = ${TOTAL} events`);
  console.log(`  port  append ${p.append.toLocaleString('en')} events/s   readAll ${p.read.toLocaleString('en')} events/s (${read} events${stalls ? `, ${stalls} waits at the horizon` : ''})`);
  console.log(`  raw   insert ${b.append.toLocaleString('en')} events/s   select  ${b.read.toLocaleString('en')} events/s (${rawRead} rows)`);
  console.log(`  port cost over raw: append ${pct(p.append, b.append)}, read ${pct(p.read, b.read)}`);
  console.log(`  peak resident memory of this process so far: ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
}

async function embedded(): Promise<Engine> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-append-'));
  const store = new EmbeddedEventStore({ path: join(dir, 'ledger.sqlite'), clock: new FixedClock(T0) });
  const db = store.database;
  db.exec(`CREATE TABLE raw_events (position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE, stream TEXT NOT NULL,
    revision INTEGER NOT NULL, type TEXT NOT NULL, schema_version INTEGER NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL,
    recorded_at TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, UNIQUE (stream, revision))`);
  const insert = db.prepare(
    'INSERT INTO raw_events (event_id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)',
  );
  const select = db.prepare('SELECT * FROM raw_events WHERE position >= ? ORDER BY position LIMIT ?');
  return {
    name: 'embedded (SQLite, WAL, synchronous=FULL)',
    store,
    rawInsert: (row) => void insert.run(...row),
    rawReadBatch: (from) => {
      const rows = select.all(from, READ_BATCH) as { position: number; data: string; metadata: string }[];
      for (const row of rows) {
        JSON.parse(row.data);
        JSON.parse(row.metadata);
      }
      return { count: rows.length, last: rows.length ? BigInt(rows[rows.length - 1]!.position) : 0n };
    },
    close: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgres(url: string): Promise<Engine> {
  const schema = `bench_${process.pid}`;
  const store = await PostgresEventStore.open({ connectionString: url, schema, clock: new FixedClock(T0) });
  const pool = store.pool;
  await pool.query(`CREATE TABLE ${schema}.raw_events (position bigserial PRIMARY KEY, event_id uuid NOT NULL UNIQUE, stream text NOT NULL,
    revision integer NOT NULL, type text NOT NULL, schema_version integer NOT NULL, data json NOT NULL, metadata json NOT NULL,
    recorded_at timestamptz NOT NULL, prev_hash text NOT NULL, hash text NOT NULL, UNIQUE (stream, revision))`);
  return {
    name: 'postgres (pg, server defaults: synchronous_commit=on)',
    store,
    rawInsert: async (row) => {
      await pool.query(
        `INSERT INTO ${schema}.raw_events (event_id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
        row,
      );
    },
    rawReadBatch: async (from) => {
      const { rows } = await pool.query<{ position: string }>(
        `SELECT position::text AS position, event_id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash
         FROM ${schema}.raw_events WHERE position >= $1 ORDER BY raw_events.position LIMIT $2`,
        [from.toString(), READ_BATCH],
      );
      return { count: rows.length, last: rows.length ? BigInt(rows[rows.length - 1]!.position) : 0n };
    },
    close: async () => {
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await store.close();
    },
  };
}

async function main(): Promise<void> {
  console.log(`bench/append: Node ${process.version}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`);
  const e = await embedded();
  try {
    await run(e);
  } finally {
    await e.close();
  }
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.log('\npostgres: not run (set DATABASE_URL to include it)');
    return;
  }
  const p = await postgres(url);
  try {
    await run(p);
  } finally {
    await p.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
