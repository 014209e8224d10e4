/**
 * bench/verify: the compliance tools on a simulated history, each run the way an operator runs it
 * (the compiled CLI in a process of its own, with the node flags of its first line):
 *
 *   1. simulate N orders through the real command handlers (orders/s, events/s, peak RSS);
 *   2. verify the hash chains and positions (events/s), in this thread and with worker threads;
 *   3. rebuild the read models, then verify everything including every projection against a replay;
 *   4. sign a checkpoint and verify against it;
 *   5. export one order's evidence bundle: the builder in-process over a sample of orders (p50/p99)
 *      and the export command end to end.
 *
 * The embedded store always; PostgreSQL too when DATABASE_URL is set (on a smaller history:
 * simulating into PostgreSQL is slower). With `--pg-copies K` the PostgreSQL history is then
 * multiplied inside the database (K copies of every stream under new names, chained and hashed
 * by the server) and the hash chains verified again at that size, once the quick way and once
 * with every hash computed by the verifier (which also proves the copies sound).
 *
 *   npm run bench:verify                                # 200,000 orders on the embedded store
 *   npm run bench:verify -- --orders 20000 --pg-orders 5000
 *   npm run bench:verify -- --data-dir /tmp/sim200k     # keep the history; a second run reuses it
 *   npm run bench:verify -- --orders 20000 --pg-orders 20000 --pg-copies 9
 *   npm run bench:verify -- --pg-copies 9 --pg-schema v235k # keep the PostgreSQL history; a second run
 *                                                            # only verifies its hash chains again
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config/config.js';
import { openEventStore } from '../src/event-store/open-event-store.js';
import { HASHED_TEXT } from '../src/event-store/postgres.event-store.js';
import { buildEvidence } from '../src/evidence/evidence.js';
import { SystemClock } from '../src/shared/clock.js';
import { arg, CLI_NODE_FLAGS } from './args.js';
import { pgHasEvents } from './pg-history.js';

const ORDERS = Number(arg('orders', '200000'));
const PG_ORDERS = Number(arg('pg-orders', '20000'));
const PG_COPIES = Number(arg('pg-copies', '0'));
const SEED = arg('seed', '7');
const DATA_DIR = arg('data-dir', '');
const PG_SCHEMA = arg('pg-schema', '');
const EXPORT_SAMPLE = Number(arg('export-sample', '300'));
const CLI = join(import.meta.dirname, '..', 'src', 'cli.js');

interface Run {
  stdout: string;
  stderr: string;
  code: number;
  seconds: number;
  maxRssMb: number | null;
}

/** Runs the compiled CLI with `env`; peak RSS through GNU time when it is installed. */
function cli(env: NodeJS.ProcessEnv, ...cliArgs: string[]): Promise<Run> {
  const timed = existsSync('/usr/bin/time');
  const command = timed ? '/usr/bin/time' : process.execPath;
  const argv = [...(timed ? ['-f', 'maxrss_kb=%M', process.execPath] : []), ...CLI_NODE_FLAGS, CLI, ...cliArgs];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const rss = /maxrss_kb=(\d+)/.exec(stderr);
      resolve({ stdout, stderr, code: code ?? -1, seconds: (performance.now() - started) / 1000, maxRssMb: rss ? Number(rss[1]) / 1024 : null });
    });
  });
}

function expectOk(run: Run, what: string): Run {
  if (run.code !== 0) throw new Error(`${what} exited ${run.code}\n${run.stdout}\n${run.stderr}`);
  return run;
}

const rss = (run: Run) => (run.maxRssMb === null ? '' : `, peak RSS ${run.maxRssMb.toFixed(0)} MB`);
const rate = (n: number, seconds: number) => Math.round(n / seconds).toLocaleString('en-US');
const out = (line: string) => process.stdout.write(`${line}\n`);

async function benchStore(label: string, env: NodeJS.ProcessEnv, orders: number, reuse: boolean): Promise<void> {
  out(`\n${label}`);
  if (reuse) {
    out(`  simulate: reusing the history in ${env.DATA_DIR}`);
  } else {
    const run = expectOk(await cli(env, 'simulate', '--orders', String(orders), '--seed', SEED, '--json'), 'simulate');
    const s = JSON.parse(run.stdout) as { orders: number; events: number; commands: number; refused: number; elapsedSeconds: number; eventsPerSecond: number; ordersPerSecond: number };
    out(
      `  simulate ${s.orders.toLocaleString('en-US')} orders: ${s.events.toLocaleString('en-US')} events, ${s.commands.toLocaleString('en-US')} commands ` +
        `(${s.refused.toLocaleString('en-US')} refused) in ${s.elapsedSeconds.toFixed(0)} s: ${rate(s.orders, s.elapsedSeconds)} orders/s, ` +
        `${rate(s.events, s.elapsedSeconds)} events/s${rss(run)}`,
    );
  }

  await verifyChains(env, '0');
  await verifyChains(env, String(cpus().length));

  const rebuilt = expectOk(await cli(env, 'rebuild', '--all'), 'rebuild');
  out(`  rebuild --all: ${rebuilt.seconds.toFixed(1)} s${rss(rebuilt)}`);
  const full = expectOk(await cli(env, 'verify', '--json'), 'verify');
  const report = JSON.parse(full.stdout) as { events: number; seconds: number; ok: boolean; tables: { table: string; live: { rows: number } }[] };
  if (!report.ok) throw new Error(`verify (with projections) failed:\n${full.stdout}`);
  out(
    `  verify everything (chains, positions, ${report.tables.length} tables = ${report.tables.reduce((n, t) => n + t.live.rows, 0).toLocaleString('en-US')} rows against a replay): ` +
      `${report.seconds.toFixed(1)} s${rss(full)}`,
  );

  const keys = mkdtempSync(join(tmpdir(), 'bench-keys-'));
  try {
    expectOk(await cli(env, 'keygen', '--out', keys), 'keygen');
    const file = join(keys, 'checkpoint.json');
    const signed = expectOk(await cli(env, 'checkpoint', '--key', join(keys, 'checkpoint-key.pem'), '--out', file), 'checkpoint');
    out(`  checkpoint (verify, then sign every stream head): ${signed.seconds.toFixed(1)} s`);
    const against = expectOk(
      await cli(env, 'verify', '--no-projections', '--json', '--checkpoint', file, '--public-key', join(keys, 'checkpoint-key.pub.pem')),
      'verify --checkpoint',
    );
    const r = JSON.parse(against.stdout) as { seconds: number; checkpoint: { streams: number; ok: boolean } };
    if (!r.checkpoint.ok) throw new Error('the ledger does not match the checkpoint just signed');
    out(`  verify --checkpoint (${r.checkpoint.streams.toLocaleString('en-US')} signed heads): ${r.seconds.toFixed(1)} s`);
  } finally {
    rmSync(keys, { recursive: true, force: true });
  }

  // Export: the bundle builder in-process over a sample of orders, then the command once, end to end.
  const config = loadConfig({ ...process.env, ...env });
  const clock = new SystemClock();
  const store = await openEventStore(config, clock);
  const sample: string[] = [];
  const step = Math.max(1, Math.floor(orders / EXPORT_SAMPLE));
  const ids = new Set<string>();
  for (let from = 0n; ids.size < orders; ) {
    const batch = await store.readAll({ fromPosition: from, maxCount: 10_000 });
    if (batch.length === 0) break;
    for (const e of batch) if (e.type === 'OrderCreated') ids.add((e.data as { orderId: string }).orderId);
    from = batch[batch.length - 1]!.position + 1n;
    if (ids.size >= EXPORT_SAMPLE * step) break;
  }
  [...ids].forEach((id, i) => i % step === 0 && sample.length < EXPORT_SAMPLE && sample.push(id));
  for (const id of sample.slice(0, 20)) await buildEvidence(store, clock, id); // warm-up
  const latencies: number[] = [];
  let events = 0;
  for (const id of sample) {
    const t0 = performance.now();
    const bundle = await buildEvidence(store, clock, id);
    latencies.push(performance.now() - t0);
    events += bundle.streams.reduce((n, s) => n + s.events.length, 0);
  }
  await store.close();
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);
  out(`  evidence bundle of one order (in-process, ${sample.length} orders, ${(events / sample.length).toFixed(1)} events each on average): p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${pct(100)} ms`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-export-'));
  try {
    const exported = expectOk(await cli(env, 'export', '--order', sample[0]!, '--out', join(dir, 'bundle'), '--reason', 'bench'), 'export');
    out(`  export command, one order end to end (process start, bundle, read audit, files): ${exported.seconds.toFixed(2)} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `verify --no-projections` through the CLI: the hash chains and positions alone. */
async function verifyChains(env: NodeJS.ProcessEnv, workers: string, ...more: string[]): Promise<void> {
  const run = expectOk(await cli(env, 'verify', '--no-projections', '--json', '--workers', workers, ...more), 'verify');
  const report = JSON.parse(run.stdout) as { events: number; streams: number; seconds: number; ok: boolean };
  if (!report.ok) throw new Error(`verify found discrepancies in a fresh simulated history:\n${run.stdout}`);
  const how = more.includes('--no-store-hashing') ? 'every hash computed by the verifier' : workers === '0' ? 'in one thread' : `${workers} worker threads`;
  out(
    `  verify hash chains + positions, ${how}: ${report.events.toLocaleString('en-US')} events, ` +
      `${report.streams.toLocaleString('en-US')} streams in ${report.seconds.toFixed(1)} s: ${rate(report.events, report.seconds)} events/s${rss(run)}`,
  );
}

/**
 * Multiplies a PostgreSQL history in place: `copies` copies of every event under the stream name
 * suffixed `~k`, each copy appended within the original's transaction (its positions follow the
 * original's indexes, so the position scheme holds), chained revision by revision and hashed by the
 * server over the same text verification checks. Payloads are copied as they are: the copies are
 * for measuring verification, not for the projections.
 */
async function multiplyPostgresHistory(url: string, schema: string, copies: number): Promise<number> {
  const client = new pg.Client({ connectionString: url, options: '-c TimeZone=UTC' });
  await client.connect();
  try {
    const events = `${schema}.events`;
    await client.query(`
      DO $$
      BEGIN
        CREATE TEMP TABLE original AS SELECT * FROM ${events};
        CREATE TEMP TABLE per_tx AS SELECT position >> 16 AS tx, count(*) AS n FROM original GROUP BY 1;
        FOR k IN 1..${Number(copies)} LOOP
          CREATE TEMP TABLE c AS
            SELECT ((e.position >> 16) << 16) + k * t.n + (e.position & 65535) AS position, gen_random_uuid() AS event_id,
                   e.stream || '~' || k AS stream, e.revision, e.type, e.schema_version, e.data, e.metadata, e.recorded_at,
                   ''::text AS prev_hash, ''::text AS hash
            FROM original e JOIN per_tx t ON t.tx = e.position >> 16;
          CREATE INDEX ON c (stream, revision);
          FOR r IN 0..(SELECT max(revision) FROM c) LOOP
            UPDATE c SET prev_hash = CASE WHEN r = 0 THEN repeat('0', 64)
              ELSE (SELECT p.hash FROM c p WHERE p.stream = c.stream AND p.revision = r - 1) END WHERE c.revision = r;
            UPDATE c SET hash = pg_catalog.encode(pg_catalog.sha256(pg_catalog.convert_to(${HASHED_TEXT}, 'UTF8')), 'hex') WHERE c.revision = r;
          END LOOP;
          INSERT INTO ${events} SELECT * FROM c ORDER BY position;
          DROP TABLE c;
        END LOOP;
        DROP TABLE original, per_tx;
      END $$`);
    await client.query(`VACUUM ANALYZE ${events}`);
    const { rows } = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${events}`);
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  out(`bench/verify: Node ${process.version}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB`);
  const reuse = DATA_DIR !== '' && existsSync(join(DATA_DIR, 'ledger.sqlite'));
  const dataDir = DATA_DIR || mkdtempSync(join(tmpdir(), 'bench-verify-'));
  mkdirSync(dataDir, { recursive: true });
  try {
    await benchStore(`embedded store (${dataDir})`, { STORE: 'embedded', DATA_DIR: dataDir }, ORDERS, reuse);
  } finally {
    if (!DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
  }
  const url = process.env.DATABASE_URL;
  if (!url || PG_ORDERS <= 0) {
    out('\nPostgreSQL: skipped (DATABASE_URL not set)');
    return;
  }
  const schema = PG_SCHEMA || `bench_verify_${process.pid}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`--pg-schema must be a plain lower-case SQL name, not "${schema}"`);
  const pgDir = mkdtempSync(join(tmpdir(), 'bench-verify-pg-'));
  try {
    const env = { STORE: 'postgres', DATABASE_URL: url, PG_SCHEMA: schema, DATA_DIR: pgDir };
    if (PG_SCHEMA && (await pgHasEvents(url, schema))) {
      out(`\nPostgreSQL, the history kept in schema ${schema}`);
    } else {
      await benchStore(`PostgreSQL (schema ${schema})`, env, PG_ORDERS, false);
      if (PG_COPIES <= 0) return;
      const started = performance.now();
      const events = await multiplyPostgresHistory(url, schema, PG_COPIES);
      out(`\nPostgreSQL, the history with ${PG_COPIES} copies of every stream added by the server: ${events.toLocaleString('en-US')} events (${((performance.now() - started) / 1000).toFixed(0)} s, then VACUUM ANALYZE)`);
    }
    await verifyChains(env, '0');
    await verifyChains(env, '0');
    await verifyChains(env, '0', '--no-store-hashing');
  } finally {
    if (!PG_SCHEMA) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
    rmSync(pgDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
