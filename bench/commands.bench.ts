/**
 * bench/commands: HTTP command throughput of the service on the embedded store (durable,
 * synchronous=FULL), with 50 concurrent clients. The service runs as its own process (as in
 * production); each client drives its own orders through a realistic life: create, quote,
 * accept, dispatch, check in, three parts and two charges, complete, pay, rate — 13 commands
 * per order, all of them real appends. Prints commands/s and p50/p99/max latency.
 *
 *   npm run bench:commands                       # 50 clients x 20 orders each
 *   npm run bench:commands -- --clients 50 --orders-per-client 40
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { numberArg } from './args.js';

const CLIENTS = numberArg('clients', 50);
const ORDERS_PER_CLIENT = numberArg('orders-per-client', 20);
const PORT = numberArg('port', 3917);
const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS + 5 });

function call(method: string, path: string, token: string, body?: unknown, key?: string): Promise<{ status: number; body: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: PORT,
        method,
        path,
        agent,
        headers: {
          Authorization: `Bearer ${token}`,
          ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) } : {}),
          ...(key ? { 'Idempotency-Key': key } : {}),
        },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (data += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: data }));
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

async function expectOk(method: string, path: string, token: string, body?: unknown, key?: string) {
  const res = await call(method, path, token, body, key);
  if (res.status >= 300) throw new Error(`${method} ${path} -> ${res.status} ${res.body}`);
  return res;
}

async function waitForHealth(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await call('GET', '/health', '')).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('service did not become healthy');
}

async function seed(): Promise<void> {
  const now = new Date(Date.now() + 500).toISOString();
  await expectOk('POST', '/rate-cards', 'demo-supervisor', {
    brand: 'midea',
    category: 'air_conditioner',
    city: '*',
    effectiveFrom: now,
    items: [
      { code: 'LAB-DIAG', name: 'diagnosis', kind: 'labor', unit: 'visit', unitPriceFen: 5000 },
      { code: 'FEE-VISIT', name: 'visit fee', kind: 'fee', unit: 'visit', unitPriceFen: 2000 },
      { code: 'CAP-35UF', name: 'capacitor', kind: 'part', unit: 'piece', unitPriceFen: 4500 },
    ],
  });
  await new Promise((r) => setTimeout(r, 600));
  await expectOk('POST', '/engineers', 'demo-agent', {
    engineerId: 'demo-engineer', name: 'W', phone: '13800138000', providerType: 'manufacturer', providerId: 'p', cities: ['shanghai'], categories: ['air_conditioner'],
  });
  for (const kind of ['real_name', 'safety', 'health', 'skill']) {
    for (const verifiedBy of ['platform', 'brand']) {
      await expectOk('POST', '/engineers/demo-engineer/credentials', 'demo-agent', {
        kind, ...(kind === 'skill' ? { category: 'air_conditioner' } : {}), verifiedBy, certificateNo: `${kind}-${verifiedBy}`,
        validFrom: '2026-01-01T00:00:00.000Z', validUntil: '2030-01-01T00:00:00.000Z',
      });
    }
  }
}

/** One order's life: 13 commands. */
function lifeOf(orderId: string): [string, string, string, unknown, string?][] {
  const from = new Date(Date.now() + 3_600_000).toISOString();
  const to = new Date(Date.now() + 7_200_000).toISOString();
  const o = `/orders/${orderId}`;
  return [
    ['POST', '/orders', 'demo-agent', {
      orderId, customer: { customerId: 'demo-customer', name: 'L', phone: '13900139000', city: 'shanghai', address: 'A' },
      product: { brand: 'midea', category: 'air_conditioner', model: 'KFR-35GW' }, serviceType: 'repair', appointment: { from, to },
    }],
    ['POST', `${o}/quote`, 'demo-agent', { lines: [{ code: 'LAB-DIAG', quantity: 2 }, { code: 'CAP-35UF', quantity: 3 }, { code: 'FEE-VISIT', quantity: 1 }] }],
    ['POST', `${o}/quote/accept`, 'demo-customer', { quoteRevision: 1 }],
    ['POST', `${o}/dispatch`, 'demo-agent', { engineerId: 'demo-engineer' }],
    ['POST', `${o}/check-in`, 'demo-engineer', {}],
    ['POST', `${o}/parts`, 'demo-engineer', { code: 'CAP-35UF', quantity: 1 }, `${orderId}-p1`],
    ['POST', `${o}/charges`, 'demo-engineer', { code: 'LAB-DIAG', quantity: 1 }, `${orderId}-c1`],
    ['POST', `${o}/parts`, 'demo-engineer', { code: 'CAP-35UF', quantity: 2 }, `${orderId}-p2`],
    ['POST', `${o}/charges`, 'demo-engineer', { code: 'FEE-VISIT', quantity: 1 }, `${orderId}-c2`],
    ['POST', `${o}/charges`, 'demo-engineer', { code: 'LAB-DIAG', quantity: 1 }, `${orderId}-c3`],
    ['POST', `${o}/complete`, 'demo-engineer', { outcome: 'fixed' }],
    ['POST', `${o}/payments`, 'demo-agent', { amountFen: 22500, method: 'wechat', reference: `WX-${orderId}` }, `${orderId}-pay`],
    ['POST', `${o}/rating`, 'demo-customer', { stars: 5 }],
  ];
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-commands-'));
  const nodeArgs = process.env.SERVICE_NODE_ARGS ? process.env.SERVICE_NODE_ARGS.split(' ') : [];
  const service: ChildProcess = spawn(process.execPath, [...nodeArgs, 'dist/src/main.js'], {
    env: { ...process.env, PORT: String(PORT), DATA_DIR: dataDir, LOG_LEVEL: 'warn', STORE: 'embedded', NODE_ENV: 'development' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitForHealth();
    await seed();
    const latencies: number[] = [];
    const failures = new Map<string, number>();
    let commands = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        for (let n = 0; n < ORDERS_PER_CLIENT; n++) {
          for (const [method, path, token, body, key] of lifeOf(`b${c}-${n}`)) {
            const t0 = performance.now();
            const res = await call(method, path, token, body, key);
            latencies.push(performance.now() - t0);
            commands++;
            if (res.status >= 300) {
              const code = `${res.status} ${JSON.parse(res.body)?.error?.code ?? ''}`;
              failures.set(code, (failures.get(code) ?? 0) + 1);
            }
          }
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(1);
    console.log(`bench/commands: Node ${process.version}, ${cpus().length} cores; service on the embedded store (synchronous=FULL)`);
    console.log(`  ${CLIENTS} concurrent clients, ${CLIENTS * ORDERS_PER_CLIENT} orders, ${commands} commands in ${seconds.toFixed(1)} s`);
    console.log(`  throughput ${Math.round(commands / seconds).toLocaleString('en')} commands/s`);
    console.log(`  latency p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${latencies[latencies.length - 1]!.toFixed(1)} ms`);
    console.log(`  refused or failed: ${failures.size === 0 ? 'none' : [...failures].map(([k, v]) => `${k} x${v}`).join(', ')}`);
  } finally {
    service.kill('SIGTERM');
    await new Promise((r) => service.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
    agent.destroy();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
