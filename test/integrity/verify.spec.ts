import { generateKeyPairSync, hash } from 'node:crypto';
import { buildRecords } from '../../src/event-store/append-core.js';
import type { EmbeddedEventStore } from '../../src/event-store/embedded.event-store.js';
import type { StoredEvent } from '../../src/event-store/event-store.port.js';
import type { PostgresEventStore } from '../../src/event-store/postgres.event-store.js';
import { CheckpointError, type CheckpointFile, openCheckpoint, signCheckpoint } from '../../src/integrity/checkpoint.js';
import type { Discrepancy } from '../../src/integrity/ledger-audit.js';
import { storedHashHolds } from '../../src/integrity/stored-hash.js';
import { auditPartition, verifyLedger, type VerifyOptions } from '../../src/integrity/verify.js';
import type { TestStore } from '../support/app.js';
import { meta } from '../support/events.js';
import { caughtUp, openTestLedger, simulateInto, type TestLedger } from '../support/ledger.js';
import { describePostgres } from '../support/postgres.js';

const HISTORY = { orders: 40, seed: 23 };

const keyPair = () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
};

interface Row {
  position: bigint;
  revision: number;
  hash: string;
}

/** Raw SQL on the event store's own table, as someone with database access would tamper with it. */
function rawEvents(ledger: TestLedger, kind: TestStore) {
  if (kind === 'embedded') {
    const db = (ledger.store as EmbeddedEventStore).database;
    return {
      table: 'events',
      async query<T>(text: string, params: unknown[] = []): Promise<T[]> {
        const statement = db.prepare(text.replace(/\$\d+/g, '?'));
        statement.safeIntegers(true);
        if (!statement.reader) {
          statement.run(...params);
          return [];
        }
        return statement.all(...params) as T[];
      },
    };
  }
  const pool = (ledger.store as PostgresEventStore).pool;
  const table = `${ledger.config.pgSchema}.events`;
  return {
    table,
    async query<T>(text: string, params: unknown[] = []): Promise<T[]> {
      return (await pool.query(text, params.map((p) => (typeof p === 'bigint' ? p.toString() : p)))).rows as T[];
    },
  };
}

function verifySuite(kind: TestStore) {
  let ledger: TestLedger;
  let sql: ReturnType<typeof rawEvents>;
  /** An order stream with at least six events: the one the tampering goes after. */
  let victim: string;
  let rows: Row[];

  const first = (report: { discrepancies: Discrepancy[] }) => report.discrepancies[0];
  /**
   * Verifies in one pass, with the streams split in three partitions (as worker threads split
   * them, here in this thread), and hashing everything in this process: all must find exactly the same.
   */
  const verify = async (options: VerifyOptions = {}) => {
    const one = await verifyLedger(ledger.store, options);
    const split = await verifyLedger(ledger.store, { ...options, partitions: { count: 3, run: (job, p) => auditPartition(ledger.store, job, p) } });
    expect(split.report.partitions).toBe(3);
    expect(split.report.discrepancies).toEqual(one.report.discrepancies);
    expect(split.report.events).toBe(one.report.events);
    expect(split.report.streams).toBe(one.report.streams);
    // Every hash computed here from the stored text, nothing taken from the database: the same findings.
    const own = await verifyLedger(ledger.store, { ...options, readModels: undefined, storeHashing: false });
    expect(own.report.discrepancies).toEqual(one.report.discrepancies.filter((d) => d.table === undefined));
    return one;
  };
  const checkpointNow = async (privatePem: string): Promise<ReturnType<typeof openCheckpoint>> => {
    const position = await ledger.store.headPosition();
    const { audit } = await verifyLedger(ledger.store, { checkpointPosition: position });
    const split = await verifyLedger(ledger.store, { checkpointPosition: position, partitions: { count: 2, run: (job, p) => auditPartition(ledger.store, job, p) } });
    expect(split.audit.headsAtCheckpoint()).toEqual(audit.headsAtCheckpoint());
    expect(split.audit.eventsAtCheckpoint).toBe(audit.eventsAtCheckpoint);
    const file = signCheckpoint({ position, events: audit.eventsAtCheckpoint, heads: audit.headsAtCheckpoint(), createdAt: ledger.clock.now() }, privatePem);
    return openCheckpoint(JSON.stringify(file));
  };

  beforeEach(async () => {
    ledger = await openTestLedger(kind);
    await simulateInto(ledger, HISTORY);
    sql = rawEvents(ledger, kind);
    const [candidate] = await sql.query<{ stream: string }>(
      `SELECT stream FROM ${sql.table} WHERE stream LIKE 'order-%' GROUP BY stream HAVING count(*) >= 6 ORDER BY stream LIMIT 1`,
    );
    victim = candidate!.stream;
    rows = (await sql.query<{ position: bigint | string; revision: number | bigint; hash: string }>(
      `SELECT position, revision, hash FROM ${sql.table} WHERE stream = $1 ORDER BY revision`,
      [victim],
    )).map((r) => ({ position: BigInt(r.position), revision: Number(r.revision), hash: r.hash }));
  });

  afterEach(async () => {
    await ledger.close();
  });

  it('passes an untouched ledger: every chain, the positions, and every projection equal to a fresh replay', async () => {
    const runner = ledger.runner();
    runner.start();
    await caughtUp(runner, await ledger.store.headPosition());
    await runner.stop();
    const { report } = await verify({ readModels: ledger.readModels, batchSize: 97 });
    expect(report.discrepancies).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.events).toBe(Number((await sql.query<{ n: bigint | string }>(`SELECT count(*) AS n FROM ${sql.table}`))[0]!.n));
    expect(report.tables!.map((t) => t.table).sort()).toEqual(
      ledger.readModels.projections.flatMap((p) => p.tables.map((t) => t.name)).sort(),
    );
    expect(report.tables!.every((t) => t.equal && t.live.sha256 === t.replay.sha256)).toBe(true);
    expect(report.tables!.find((t) => t.table === 'bills')!.live.rows).toBe(HISTORY.orders);
  });

  it("offers a quick hash check (the hashed text, or the database's digest of it) that holds for every untouched event", async () => {
    const quick = await ledger.store.readAllStored({ maxCount: 100_000, hashInput: true });
    const whole = await ledger.store.readAllStored({ maxCount: 100_000 });
    expect(quick.map((e) => e.position)).toEqual(whole.map((e) => e.position));
    const holds = (e: StoredEvent) => e.hashHolds ?? (e.hashInput ? hash('sha256', e.hashInput, 'hex') === e.hash : undefined);
    // Undefined would mean no quick check offered; false, a text assembled unlike the one hashed at append.
    expect(quick.filter((e) => holds(e) !== true).map((e) => `${e.stream}@${e.revision}: ${String(holds(e))}`)).toEqual([]);
    expect(whole.filter((e) => !storedHashHolds(e)).map((e) => `${e.stream}@${e.revision}`)).toEqual([]);
    // Read in batches (a store may split each batch in ranges read at once): every event once, in order.
    const paged: bigint[] = [];
    for (let from = 0n; ; ) {
      const batch = await ledger.store.readAllStored({ fromPosition: from, maxCount: 300, hashInput: true });
      paged.push(...batch.map((e) => e.position));
      if (batch.length < 300) break;
      from = batch[batch.length - 1]!.position + 1n;
    }
    expect(paged).toEqual(whole.map((e) => e.position));
  });

  it('names the stream and revision of an edited payload', async () => {
    const patch = kind === 'embedded' ? `json_set(data, '$.tampered', 1)` : `(data::jsonb || '{"tampered": 1}'::jsonb)::json`;
    await sql.query(`UPDATE ${sql.table} SET data = ${patch} WHERE stream = $1 AND revision = 2`, [victim]);
    const { report } = await verify();
    expect(report.ok).toBe(false);
    expect(first(report)).toMatchObject({ kind: 'hash_mismatch', stream: victim, revision: 2 });
  });

  it('accepts a payload the database re-wrote in another JSON form with the same content', async () => {
    // Keys moved (SQLite's json_set appends; jsonb's own order and spacing): the content, and so the hash, is the same.
    const rewrite =
      kind === 'embedded'
        ? `json_set(json_remove(data, '$.orderId'), '$.orderId', json_extract(data, '$.orderId'))`
        : `(data::jsonb - 'orderId' || jsonb_build_object('orderId', data->'orderId'))::json`;
    const where = kind === 'embedded' ? `json_extract(data, '$.orderId') IS NOT NULL` : `data::jsonb ? 'orderId'`;
    const texts = () => sql.query<{ t: string }>(`SELECT data::text AS t FROM ${sql.table} WHERE stream = $1 ORDER BY revision`.replace('data::text', kind === 'embedded' ? 'data' : 'data::text'), [victim]);
    const before = (await texts()).map((r) => r.t);
    await sql.query(`UPDATE ${sql.table} SET data = ${rewrite} WHERE stream = $1 AND ${where}`, [victim]);
    const after = (await texts()).map((r) => r.t);
    expect(after.filter((t, i) => t !== before[i]).length).toBeGreaterThan(0);
    const { report } = await verify();
    expect(report.discrepancies).toEqual([]);
  });

  it('names edited metadata: who acted cannot be changed either', async () => {
    const patch = kind === 'embedded' ? `json_set(metadata, '$.actor.id', 'someone-else')` : `jsonb_set(metadata::jsonb, '{actor,id}', '"someone-else"')::json`;
    await sql.query(`UPDATE ${sql.table} SET metadata = ${patch} WHERE stream = $1 AND revision = 1`, [victim]);
    expect(first((await verify()).report)).toMatchObject({ kind: 'hash_mismatch', stream: victim, revision: 1 });
  });

  it('names a deleted event by the revision that is missing, and sees the hole it left in the positions', async () => {
    await sql.query(`DELETE FROM ${sql.table} WHERE stream = $1 AND revision = 2`, [victim]);
    const { report } = await verify();
    expect(first(report)).toMatchObject({ kind: 'missing_revision', stream: victim, revision: 2 });
    if (kind === 'embedded') expect(report.discrepancies).toContainEqual(expect.objectContaining({ kind: 'position_gap', position: rows[2]!.position.toString() }));
  });

  it('names a stream whose events were reordered', async () => {
    const [a, b] = [rows[2]!, rows[3]!];
    await sql.query(`UPDATE ${sql.table} SET position = $1 WHERE stream = $2 AND revision = 2`, [-7n, victim]);
    await sql.query(`UPDATE ${sql.table} SET position = $1 WHERE stream = $2 AND revision = 3`, [a.position, victim]);
    await sql.query(`UPDATE ${sql.table} SET position = $1 WHERE stream = $2 AND revision = 2`, [b.position, victim]);
    const { report } = await verify();
    expect(first(report)).toMatchObject({ kind: 'out_of_order', stream: victim, revision: 3, position: a.position.toString() });
  });

  it('catches the newest events of a stream cut off, against a signed checkpoint, by stream and revision', async () => {
    const { privatePem } = keyPair();
    const checkpoint = await checkpointNow(privatePem);
    expect((await verify({ checkpoint })).report.ok).toBe(true);
    const head = rows[rows.length - 1]!.revision;
    await sql.query(`DELETE FROM ${sql.table} WHERE stream = $1 AND revision >= $2`, [victim, head - 1]);
    const { report } = await verify({ checkpoint });
    expect(report.checkpoint!.ok).toBe(false);
    expect(report.discrepancies).toContainEqual(expect.objectContaining({ kind: 'checkpoint_head_behind', stream: victim, revision: head - 1 }));
  });

  it('catches the newest events of the whole store cut off', async () => {
    const { privatePem } = keyPair();
    const checkpoint = await checkpointNow(privatePem);
    const cut = await sql.query<{ stream: string; revision: number | bigint }>(
      `SELECT stream, revision FROM ${sql.table} ORDER BY position DESC LIMIT 3`,
    );
    await sql.query(`DELETE FROM ${sql.table} WHERE position IN (SELECT position FROM ${sql.table} ORDER BY position DESC LIMIT 3)`);
    const { report } = await verify({ checkpoint });
    // Each stream that lost events is named with the first revision it lost.
    for (const stream of new Set(cut.map((c) => c.stream))) {
      const lost = Math.min(...cut.filter((c) => c.stream === stream).map((c) => Number(c.revision)));
      const kind = lost === 0 ? 'checkpoint_head_missing' : 'checkpoint_head_behind';
      expect(report.discrepancies).toContainEqual(expect.objectContaining({ kind, stream, revision: lost }));
    }
    // The embedded store remembers the highest position it assigned: the cut shows even without a checkpoint.
    if (kind === 'embedded') expect(first((await verify()).report)).toMatchObject({ kind: 'newest_events_removed' });
  });

  it('names a forged event inserted with a valid hash at a place in $all that is not its own', async () => {
    const { privatePem } = keyPair();
    const checkpoint = await checkpointNow(privatePem);
    const head = rows[rows.length - 1]!;
    const [forged] = buildRecords(victim, [{ type: 'PaymentRecorded', schemaVersion: 1, data: { amountFen: 1 }, metadata: meta('forged') }], head, ledger.clock.now());
    // A free position before the checkpoint: 0 on the embedded store, an unused index of an old transaction on PostgreSQL.
    const position = kind === 'embedded' ? 0n : ((await ledger.store.readAll({ maxCount: 1 }))[0]!.position | 0xfffn);
    await sql.query(
      `INSERT INTO ${sql.table} (position, event_id, stream, revision, type, schema_version, data, metadata, recorded_at, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [position, forged!.eventId, victim, forged!.revision, forged!.type, 1, JSON.stringify(forged!.data), JSON.stringify(forged!.metadata), forged!.recordedAt, forged!.prevHash, forged!.hash],
    );
    const { report } = await verify({ checkpoint });
    expect(first(report)).toMatchObject({ kind: 'out_of_order', stream: victim, revision: head.revision + 1, position: position.toString() });
    expect(report.discrepancies).toContainEqual(expect.objectContaining({ kind: 'not_in_checkpoint', stream: victim, revision: head.revision + 1 }));
  });

  it('names the table and row of a read model that no longer equals a fresh replay', async () => {
    await ledger.readModels.rebuild(ledger.store, ['bills', 'complaints', 'engineer-scores']);
    const [bill] = await ledger.readModels.db.selectFrom('bills').select('order_id').orderBy('order_id').limit(1).execute();
    await ledger.readModels.db.updateTable('bills').set({ customer_charges_fen: 1 }).where('order_id', '=', bill!.order_id).execute();
    const { report } = await verify({ readModels: ledger.readModels });
    expect(report.tables!.find((t) => t.table === 'bills')!.equal).toBe(false);
    expect(first(report)).toMatchObject({ kind: 'projection_row_differs', table: 'bills', key: { order_id: bill!.order_id } });
    expect(first(report)!.message).toContain('customer_charges_fen is 1 in the live table');
    // Nothing of the comparison is left behind in the read database.
    const tables = await ledger.readModels.db.introspection.getTables();
    expect(tables.filter((t) => t.name.includes('__verify'))).toEqual([]);
  });
}

describe('verify (embedded store)', () => verifySuite('embedded'));
describePostgres('verify (PostgreSQL store)', () => verifySuite('postgres'));

describe('signed checkpoints', () => {
  const heads = new Map([
    ['order-1', { revision: 3, hash: 'a'.repeat(64) }],
    ['engineer-1', { revision: 0, hash: 'b'.repeat(64) }],
  ]);
  const sign = (privatePem: string) => signCheckpoint({ position: 42n, events: 5, heads, createdAt: '2026-06-01T00:00:00.000Z' }, privatePem);

  it('opens a checkpoint signed by the pinned key', () => {
    const { privatePem, publicPem } = keyPair();
    const opened = openCheckpoint(JSON.stringify(sign(privatePem)), publicPem);
    expect(opened.statement).toMatchObject({ position: '42', events: 5, streams: 2 });
    expect(opened.heads.map((h) => h[0])).toEqual(['engineer-1', 'order-1']);
  });

  it('refuses a statement that was altered after signing', () => {
    const file: CheckpointFile = sign(keyPair().privatePem);
    file.statement.position = '41';
    expect(() => openCheckpoint(JSON.stringify(file))).toThrow('signature does not verify');
  });

  it('refuses heads that are not the ones the signature covers', () => {
    const file = sign(keyPair().privatePem);
    file.heads[0]![1] = 9;
    expect(() => openCheckpoint(JSON.stringify(file))).toThrow('do not match its signed digest');
  });

  it('refuses a checkpoint re-signed with another key when the signer is pinned', () => {
    const trusted = keyPair();
    const forged = sign(keyPair().privatePem);
    expect(() => openCheckpoint(JSON.stringify(forged), trusted.publicPem)).toThrow(CheckpointError);
    expect(() => openCheckpoint(JSON.stringify(forged), trusted.publicPem)).toThrow('not with the trusted key');
  });

  it('refuses a key that is not Ed25519 and a file that is not a checkpoint', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => sign(rsa)).toThrow('not Ed25519');
    expect(() => openCheckpoint('{"hello":1}')).toThrow('is not a service-ledger-checkpoint/1 file');
    expect(() => openCheckpoint('not json')).toThrow('not JSON');
  });
});
