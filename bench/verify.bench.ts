/**
 * bench/verify: the compliance tools on a simulated history, each run the way an operator runs it
 * (the compiled CLI in a process of its own, `--max-old-space-size=384`):
 *
 *   1. simulate N orders through the real command handlers (orders/s, events/s, peak RSS);
 *   2. verify the hash chains and positions (events/s), in this thread and with worker threads;
 *   3. rebuild the read models, then verify everything including every projection against a replay;
 *   4. sign a checkpoint and verify against it;
 *   5. export one order's evidence bundle: the builder in-process over a sample of orders (p50/p99)
 *      and the export command end to end.
 *
 * The embedded store always; PostgreSQL too when DATABASE_URL is set (on a smaller history:
 * simulating into PostgreSQL is slower).
 *
 *   npm run bench:verify                                # 200,000 orders on the embedded store
 *   npm run bench:verify -- --orders 20000 --pg-orders 5000
 *   npm run bench:verify -- --data-dir /tmp/sim200k     # keep the history; a second run reuses it
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config/config.js';
import { openEventStore } from '../src/event-store/open-event-store.js';
import { buildEvidence } from '../src/evidence/evidence.js';
import { SystemClock } from '../src/shared/clock.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : fallback;
};
const ORDERS = Number(arg('orders', '200000'));
const PG_ORDERS = Number(arg('pg-orders', '20000'));
const SEED = arg('seed', '7');
const DATA_DIR = arg('data-dir', '');
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
  const argv = [...(timed ? ['-f', 'maxrss_kb=%M', process.execPath] : []), '--max-old-space-size=384', CLI, ...cliArgs];
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

  const chains = async (workers: string) => {
    const run = expectOk(await cli(env, 'verify', '--no-projections', '--json', '--workers', workers), 'verify');
    const report = JSON.parse(run.stdout) as { events: number; streams: number; seconds: number; ok: boolean };
    if (!report.ok) throw new Error('verify found discrepancies in a fresh simulated history');
    out(
      `  verify hash chains + positions, ${workers === '0' ? 'in one thread' : `${workers} worker threads`}: ${report.events.toLocaleString('en-US')} events, ` +
        `${report.streams.toLocaleString('en-US')} streams in ${report.seconds.toFixed(1)} s: ${rate(report.events, report.seconds)} events/s${rss(run)}`,
    );
  };
  await chains('0');
  await chains(String(cpus().length));

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
  const schema = `bench_verify_${process.pid}`;
  const pgDir = mkdtempSync(join(tmpdir(), 'bench-verify-pg-'));
  try {
    await benchStore(`PostgreSQL (schema ${schema})`, { STORE: 'postgres', DATABASE_URL: url, PG_SCHEMA: schema, DATA_DIR: pgDir }, PG_ORDERS, false);
  } finally {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
    rmSync(pgDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
