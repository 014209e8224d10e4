/**
 * bench/rebuild: simulates a realistic history through the real command handlers (see
 * `service-ledger simulate`), then times a full rebuild of
 * every projection from position 0 in a process of its own (events/s, peak resident memory), then
 * starts the service on the rebuilt tables and times the query routes (p50/p99).
 *
 *   npm run bench:rebuild                          # embedded store, 86,000 orders (about 1,000,000 events; simulating them takes ~15 min)
 *   npm run bench:rebuild -- --orders 20000
 *   npm run bench:rebuild -- --data-dir /tmp/history   # keep the history; a second run reuses it
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench:rebuild -- --store postgres
 *   DATABASE_URL=... npm run bench:rebuild -- --store postgres --pg-schema history   # keep (and reuse) the schema
 *   npm run bench:rebuild -- --data-dir /tmp/history --runs 5   # five rebuilds, each in a fresh process: every figure and the median
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { loadConfig } from '../src/config/config.js';
import { openEventStore } from '../src/event-store/open-event-store.js';
import { openReadModels, REPLAY_BATCH_SIZE } from '../src/read-models/read-models.js';
import { SystemClock } from '../src/shared/clock.js';
import { arg, benchArgs, CLI_NODE_FLAGS } from './args.js';
import { pgHasEvents } from './pg-history.js';

const ORDERS = Number(arg('orders', '86000'));
const SEED = Number(arg('seed', '42'));
const STORE = arg('store', 'embedded') as 'embedded' | 'postgres';
const PORT = Number(arg('port', '3918'));
const QUERIES = Number(arg('queries', '2000'));
/** Keep (or reuse) the generated history in this folder instead of a temp dir: skips generating it again. */
const DATA_DIR = arg('data-dir', '');
/** PostgreSQL: keep (or reuse) the generated history in this schema instead of a throwaway one. */
const PG_SCHEMA = arg('pg-schema', '');
/** Rebuilds to time, one after the other (a shared machine's speed varies from minute to minute). */
const RUNS = Number(arg('runs', '1'));
if (!Number.isSafeInteger(RUNS) || RUNS < 1) throw new Error('--runs must be a whole number of at least 1');

function env(dataDir: string, schema: string): NodeJS.ProcessEnv {
  return { ...process.env, STORE, DATA_DIR: dataDir, PG_SCHEMA: schema, NODE_ENV: 'development', LOG_LEVEL: 'warn' };
}

/** The rebuild itself, in a process of its own so its peak RSS is the rebuild's alone. */
async function rebuildPhase(): Promise<void> {
  const config = loadConfig();
  const clock = new SystemClock();
  const store = await openEventStore(config, clock);
  const readModels = await openReadModels(config, clock);
  const started = performance.now();
  const result = await readModels.rebuild(store, readModels.projections.map((p) => p.name), { batchSize: Number(arg('batch-size', String(REPLAY_BATCH_SIZE))) });
  const seconds = (performance.now() - started) / 1000;
  const maxRssMb = process.resourceUsage().maxRSS / 1024;
  const rows: Record<string, number> = {};
  for (const projection of readModels.projections) {
    for (const table of projection.tables) {
      rows[table.name] = Number((await sql<{ n: unknown }>`SELECT count(*) AS n FROM ${sql.table(table.name)}`.execute(readModels.db)).rows[0]!.n);
    }
  }
  await readModels.sql.close();
  await store.close();
  process.stdout.write(JSON.stringify({ events: result.events, seconds, maxRssMb, rows }));
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });
function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: PORT, path, agent, headers: { Authorization: 'Bearer demo-agent' } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function timeRoute(label: string, paths: string[]): Promise<string> {
  const latencies: number[] = [];
  for (const path of paths) {
    const t0 = performance.now();
    const res = await get(path);
    latencies.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`GET ${path} -> ${res.status} ${res.body}`);
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(2);
  return `  ${label.padEnd(34)} p50 ${pct(50)} ms, p99 ${pct(99)} ms (${paths.length} requests)`;
}

async function waitForHealth(): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await get('/health')).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('service did not become healthy');
}

const pgClient = () => new pg.Client({ connectionString: process.env.DATABASE_URL });

async function main(): Promise<void> {
  const dataDir = DATA_DIR || mkdtempSync(join(tmpdir(), 'bench-rebuild-'));
  const schema = PG_SCHEMA || `bench_rebuild_${process.pid}`;
  const reuse = STORE === 'postgres' ? PG_SCHEMA !== '' && (await pgHasEvents(process.env.DATABASE_URL!, schema)) : DATA_DIR !== '' && existsSync(join(DATA_DIR, 'ledger.sqlite'));
  process.env.DATA_DIR = dataDir;
  process.env.PG_SCHEMA = schema;
  process.env.STORE = STORE;
  let service: ChildProcess | null = null;
  try {
    const config = loadConfig(env(dataDir, schema));
    const t0 = performance.now();
    let lastPrint = 0;
    let written = { events: 0 };
    if (!reuse) {
      // The simulator drives the real command handlers (the same history as `service-ledger simulate`).
      // Loaded here only: the rebuild's process (the same script) then loads what the CLI's rebuild does, not the whole application.
      const { simulate } = await import('../src/simulate/simulate.js');
      const summary = await simulate(config, { orders: ORDERS, seed: SEED }, {
        onProgress: (p) => {
          if (performance.now() - lastPrint < 5_000) return;
          lastPrint = performance.now();
          process.stderr.write(`  simulating: ${p.events} events\n`);
        },
      });
      written = { events: summary.events };
    }
    const genSeconds = (performance.now() - t0) / 1000;

    // The same node flags as the CLI's rebuild command (src/cli.ts).
    type Rebuild = { events: number; seconds: number; maxRssMb: number; rows: Record<string, number> };
    const rebuilds: Rebuild[] = [];
    for (let run = 0; run < RUNS; run++) {
      const out = execFileSync(process.execPath, [...CLI_NODE_FLAGS, process.argv[1]!, '--phase', 'rebuild', ...benchArgs], { env: env(dataDir, schema), maxBuffer: 1 << 20 });
      rebuilds.push(JSON.parse(out.toString()) as Rebuild);
    }
    const rate = (r: Rebuild) => r.events / r.seconds;
    const rebuild = [...rebuilds].sort((a, b) => rate(a) - rate(b))[Math.floor((RUNS - 1) / 2)]!;

    service = spawn(process.execPath, ['dist/src/main.js'], { env: { ...env(dataDir, schema), PORT: String(PORT) }, stdio: ['ignore', 'ignore', 'inherit'] });
    await waitForHealth();
    const readModels = await openReadModels(loadConfig(env(dataDir, schema)), new SystemClock());
    const orderIds = (await sql<{ order_id: string }>`SELECT order_id FROM bills ORDER BY random() LIMIT ${QUERIES}`.execute(readModels.db)).rows.map((r) => r.order_id);
    const brands = (await sql<{ brand: string }>`SELECT DISTINCT brand FROM bills`.execute(readModels.db)).rows.map((r) => r.brand);
    const engineers = (await sql<{ engineer_id: string }>`SELECT engineer_id FROM engineer_scores ORDER BY random() LIMIT ${QUERIES}`.execute(readModels.db)).rows.map((r) => r.engineer_id);
    await readModels.sql.close();
    // Warm up (JIT, caches) before timing: the figures are the steady state.
    for (const id of orderIds.slice(0, 200)) await get(`/orders/${id}/bill`);
    for (let i = 0; i < 200; i++) await get('/complaints?limit=50');
    const pick = <T>(xs: readonly T[], i: number) => xs[i % xs.length]!;
    const statuses = ['open', 'acknowledged', 'escalated', 'resolved'];
    const categories = ['overcharge', 'no_show', 'late', 'workmanship', 'damage', 'fake_part', 'conduct', 'other'];
    const lines = [
      await timeRoute('GET /orders/:id/bill', orderIds.map((id) => `/orders/${id}/bill`)),
      await timeRoute('GET /complaints (page of 50)', orderIds.map((_, i) => `/complaints?limit=50&${i % 2 ? `status=${pick(statuses, i)}` : `category=${pick(categories, i)}`}`)),
      await timeRoute('GET /bills?brand= (page of 50)', orderIds.map((_, i) => `/bills?limit=50&brand=${encodeURIComponent(pick(brands, i))}`)),
      await timeRoute('GET /engineers/:id/score', engineers.map((id) => `/engineers/${id}/score`)),
      await timeRoute('GET /engineer-scores (page of 50)', engineers.map((_, i) => `/engineer-scores?limit=50&tier=${pick(['A', 'B', 'C', 'D', 'provisional'], i)}`)),
    ];

    console.log(`bench/rebuild: Node ${process.version}, ${cpus().length} cores; store ${STORE}; read models in ${STORE === 'embedded' ? 'SQLite' : 'PostgreSQL'}`);
    console.log(
      reuse
        ? `  history: ${rebuild.events} events, reused from ${STORE === 'postgres' ? `schema ${schema}` : dataDir}`
        : `  history: ${ORDERS} orders simulated, ${written.events} events, in ${genSeconds.toFixed(1)} s`,
    );
    const figure = (r: Rebuild) => `${r.events} events in ${r.seconds.toFixed(1)} s = ${Math.round(rate(r)).toLocaleString('en')} events/s, peak RSS ${r.maxRssMb.toFixed(0)} MB`;
    if (RUNS === 1) console.log(`  rebuild of all projections: ${figure(rebuild)}`);
    else {
      console.log(`  rebuild of all projections, ${RUNS} runs:`);
      for (const r of rebuilds) console.log(`    ${figure(r)}`);
      console.log(`    median ${Math.round(rate(rebuild)).toLocaleString('en')} events/s; highest peak RSS ${Math.max(...rebuilds.map((r) => r.maxRssMb)).toFixed(0)} MB`);
    }
    console.log(`  rows: ${Object.entries(rebuild.rows).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    console.log('  query routes on the rebuilt tables (service over HTTP, one client):');
    for (const line of lines) console.log(line);
  } finally {
    if (service) {
      service.kill('SIGTERM');
      await new Promise((r) => service!.once('exit', r));
    }
    agent.destroy();
    if (STORE === 'postgres' && !PG_SCHEMA) {
      const client = pgClient();
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    }
    if (!DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
  }
}

(arg('phase', 'main') === 'rebuild' ? rebuildPhase() : main()).catch((error) => {
  console.error(error);
  process.exit(1);
});
