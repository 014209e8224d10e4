import { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../../src/cli/usage-error.js';
import { simulateCommand } from '../../src/cli/simulate.command.js';
import { type AppConfig, loadConfig } from '../../src/config/config.js';
import type { CompensationPaid, ComplaintFiled } from '../../src/complaints/domain/complaint.events.js';
import type { RecordedEvent } from '../../src/event-store/envelope.js';
import { verifyStream } from '../../src/event-store/hash-chain.js';
import { openEventStore } from '../../src/event-store/open-event-store.js';
import { openReadModels } from '../../src/read-models/read-models.module.js';
import { toDomainEvent } from '../../src/event-store/handle-command.js';
import { customerChargesFen, orderDecider, type OrderState } from '../../src/orders/domain/order.decider.js';
import type { OrderCreated, OrderEvent } from '../../src/orders/domain/order.events.js';
import { FixedClock } from '../../src/shared/clock.js';
import { simulate, type SimulateOptions } from '../../src/simulate/simulate.js';
import { OVERCHARGE_CODES, type SimulationSummary } from '../../src/simulate/summary.js';
import type { TestStore } from '../support/app.js';
import { DATABASE_URL, describePostgres, freshSchema } from '../support/postgres.js';

/** Small enough to run in seconds, large enough that every kind of overcharge is tried (and refused). */
const RUN: SimulateOptions = { orders: 250, seed: 7, cities: 8 };
const START = '2026-01-05T00:00:00.000Z';

interface Ledger {
  config: AppConfig;
  /** Every event in the store, in position order. */
  events: RecordedEvent[];
  close(): Promise<void>;
}

/** A fresh embedded directory or PostgreSQL schema, configured as the CLI would be. */
async function freshLedger(kind: TestStore): Promise<{ config: AppConfig; close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'service-ledger-sim-'));
  const pg = kind === 'postgres' ? await freshSchema('sim') : null;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    STORE: kind,
    DATA_DIR: dataDir,
    // Tests need no durability against power loss; the simulation writes the same either way.
    SQLITE_SYNCHRONOUS: 'NORMAL',
    ...(pg ? { DATABASE_URL: DATABASE_URL!, PG_SCHEMA: pg.schema } : {}),
  });
  return {
    config,
    close: async () => {
      await pg?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function readEverything(config: AppConfig): Promise<RecordedEvent[]> {
  const store = await openEventStore(config, new FixedClock(START));
  try {
    const all: RecordedEvent[] = [];
    for (let from = 0n; ; ) {
      const batch = await store.readAll({ fromPosition: from, maxCount: 2_000 });
      if (batch.length === 0) return all;
      all.push(...batch);
      from = batch[batch.length - 1]!.position + 1n;
    }
  } finally {
    await store.close();
  }
}

async function simulated(kind: TestStore, options: SimulateOptions): Promise<Ledger & { summary: SimulationSummary }> {
  const ledger = await freshLedger(kind);
  const summary = await simulate(ledger.config, options);
  return { ...ledger, summary, events: await readEverything(ledger.config) };
}

function byStream(events: RecordedEvent[]): Map<string, RecordedEvent[]> {
  const streams = new Map<string, RecordedEvent[]>();
  for (const e of events) {
    const list = streams.get(e.stream);
    if (list) list.push(e);
    else streams.set(e.stream, [e]);
  }
  for (const list of streams.values()) list.sort((a, b) => a.revision - b.revision);
  return streams;
}

/** Each stream's length and the hash of its last event: the chain makes equal heads mean equal streams. */
function heads(events: RecordedEvent[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [stream, list] of [...byStream(events)].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out[stream] = `${list.length}:${list[list.length - 1]!.hash}`;
  }
  return out;
}

const countBy = <T>(items: T[], key: (item: T) => string) => {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
};

/** Runs `service-ledger simulate <args>` in this process against `config`; a UsageError is what cli.ts turns into exit code 2. */
async function cli(config: AppConfig, args: string[]): Promise<string> {
  let stdout = '';
  const program = new Command().exitOverride();
  simulateCommand(program, { config: () => config, stdout: (text) => (stdout += text), progress: false });
  await program.parseAsync(['simulate', ...args], { from: 'user' });
  return stdout;
}

describe('service-ledger simulate on the embedded store', () => {
  let first: Ledger & { summary: SimulationSummary };
  let again: Ledger & { summary: SimulationSummary };
  let other: Ledger & { summary: SimulationSummary };

  beforeAll(async () => {
    first = await simulated('embedded', RUN);
    // The same run again, through the command line this time.
    const ledger = await freshLedger('embedded');
    const json = await cli(ledger.config, ['--orders', String(RUN.orders), '--seed', String(RUN.seed), '--cities', String(RUN.cities), '--json']);
    again = { ...ledger, summary: JSON.parse(json) as SimulationSummary, events: await readEverything(ledger.config) };
    other = await simulated('embedded', { ...RUN, seed: RUN.seed + 1 });
  }, 180_000);

  afterAll(async () => {
    for (const ledger of [first, again, other]) await ledger?.close();
  });

  it('writes the same events into every stream for the same seed and orders', () => {
    expect(Object.keys(heads(first.events)).length).toBeGreaterThan(RUN.orders);
    expect(heads(again.events)).toEqual(heads(first.events));
    const { elapsedSeconds: _a, ordersPerSecond: _b, eventsPerSecond: _c, commandsPerSecond: _d, ...outcome } = first.summary;
    expect(again.summary).toMatchObject(outcome);
  });

  it('writes a different history for another seed', () => {
    const mine = heads(first.events);
    const theirs = heads(other.events);
    const orders = Object.keys(mine).filter((s) => s.startsWith('order-'));
    const differing = orders.filter((s) => theirs[s] !== mine[s]);
    expect(differing.length).toBeGreaterThan(orders.length * 0.9);
    expect(other.summary.events).not.toBe(first.summary.events);
  });

  it('counts in its summary exactly what the store holds', () => {
    const { summary, events } = first;
    expect(summary.events).toBe(events.length);
    expect(summary.eventsByType).toEqual(countBy(events, (e) => e.type));
    expect(summary.commands).toBe(summary.recorded + summary.refused);

    const created = events.filter((e) => e.type === 'OrderCreated').map((e) => e.data as OrderCreated['data']);
    expect(summary.orders).toBe(RUN.orders);
    expect(created).toHaveLength(RUN.orders);
    expect(summary.packageOrders).toBe(created.filter((o) => o.package).length);
    expect(summary.repeatOrders).toBe(created.filter((o) => o.repeatOf).length);
    expect(summary.engineers).toBe(events.filter((e) => e.type === 'EngineerRegistered').length);
    expect(summary.rateCards).toBe(new Set(events.filter((e) => e.type === 'RateCardPublished').map((e) => e.stream)).size);
    expect(summary.lateArrivals).toBe(events.filter((e) => e.type === 'EngineerCheckedIn' && (e.data as { late: boolean }).late).length);

    const filed = events.filter((e) => e.type === 'ComplaintFiled').map((e) => e.data as ComplaintFiled['data']);
    expect(summary.complaints).toBe(filed.length);
    expect(summary.complaintsByCategory).toEqual(countBy(filed, (c) => c.category));

    // The threshold applies to the order's compensation over all its complaints, this payment included.
    const perOrder = new Map<string, number>();
    let below = 0;
    let atOrAbove = 0;
    let total = 0;
    for (const e of events.filter((x) => x.type === 'CompensationPaid')) {
      const paid = e.data as CompensationPaid['data'];
      const running = (perOrder.get(paid.orderId) ?? 0) + paid.amountFen;
      perOrder.set(paid.orderId, running);
      total += paid.amountFen;
      if (running >= paid.thresholdFen) atOrAbove++;
      else below++;
    }
    expect(summary.compensation).toEqual({ thresholdFen: 100_000, belowThreshold: below, atOrAboveThreshold: atOrAbove, totalFen: total });
  });

  it('tries what the rules forbid and counts the refusals by code', () => {
    const { summary } = first;
    expect(Object.keys(summary.refusals)).toEqual(expect.arrayContaining([...OVERCHARGE_CODES, 'COMPENSATION_NEEDS_SUPERVISOR']));
    expect(summary.overchargeAttemptsRefused).toBe(OVERCHARGE_CODES.reduce((sum, code) => sum + (summary.refusals[code] ?? 0), 0));
    expect(Object.values(summary.refusals).reduce((a, b) => a + b, 0)).toBe(summary.refused);
    // Both sides of the threshold, a visible share of overcharge complaints, about a third under a package.
    expect(summary.compensation.belowThreshold).toBeGreaterThan(0);
    expect(summary.compensation.atOrAboveThreshold).toBeGreaterThan(0);
    expect(summary.complaintsByCategory.overcharge).toBeGreaterThan(summary.complaints * 0.15);
    expect(summary.packageShare).toBeGreaterThan(0.25);
    expect(summary.packageShare).toBeLessThan(0.45);
    for (const kind of ['compensatedOvercharge', 'refusedChargeBeyondQuote', 'refusedPackageExtra', 'packageOrder'] as const) {
      expect(summary.examples[kind]?.orderId).toMatch(/^ord-\d+$/);
    }
  });

  it('leaves every order within its consent and every package paid once', () => {
    for (const [stream, list] of byStream(first.events)) {
      if (!stream.startsWith('order-')) continue;
      let state: OrderState = orderDecider.initialState;
      for (const e of list) {
        state = orderDecider.evolve(state, toDomainEvent<OrderEvent>(e));
        if (state.status === 'none') continue;
        if (state.package) expect(state.paidFen - state.refundedFen).toBeLessThanOrEqual(state.package.priceFen);
        else expect(customerChargesFen(state)).toBeLessThanOrEqual(state.accepted?.ceilingFen ?? 0);
      }
    }
  });

  it('keeps every hash chain intact and time moving forward in every stream', () => {
    const streams = byStream(first.events);
    for (const [stream, list] of streams) {
      expect(verifyStream(stream, list)).toMatchObject({ ok: true, events: list.length });
      for (let i = 1; i < list.length; i++) expect(list[i]!.recordedAt >= list[i - 1]!.recordedAt).toBe(true);
    }
    const times = first.events.map((e) => e.recordedAt);
    expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
    expect(times[0]! >= START).toBe(true);
    // Orders spread over days, not one instant.
    expect(Date.parse(times[times.length - 1]!) - Date.parse(times[0]!)).toBeGreaterThan(3 * 86_400_000);
  });

  it('builds the read models afterwards: a bill per order without a rule breach, a complaint row per complaint', async () => {
    const clock = new FixedClock(START);
    const store = await openEventStore(first.config, clock);
    const readModels = await openReadModels(first.config, clock);
    try {
      const result = await readModels.rebuild(store, readModels.projections.map((p) => p.name));
      expect(result.events).toBe(first.summary.events);
      const digests = await readModels.digests();
      expect(digests.bills!.rows).toBe(first.summary.orders);
      expect(digests.complaint_views!.rows).toBe(first.summary.complaints);
      expect(digests.engineer_scores!.rows).toBeGreaterThan(0);
      const breached = await readModels.db.selectFrom('bills').select(['order_id', 'breaches']).where('breaches', '!=', '').execute();
      expect(breached).toEqual([]);
    } finally {
      await readModels.sql.close();
      await store.close();
    }
  });

  it('refuses a store that already holds events, with a usage error (exit code 2), and writes nothing', async () => {
    await expect(cli(first.config, ['--orders', '10'])).rejects.toThrow(UsageError);
    await expect(cli(first.config, ['--orders', '10'])).rejects.toThrow(/already holds events/);
    expect(await readEverything(first.config)).toHaveLength(first.events.length);
  });

  it.each([['0'], ['-3'], ['1.5'], ['abc'], ['']])('refuses --orders %p with a usage error (exit code 2)', async (orders) => {
    const ledger = await freshLedger('embedded');
    try {
      await expect(cli(ledger.config, ['--orders', orders])).rejects.toThrow(new UsageError(`--orders must be a positive whole number (at most 10000000) (got "${orders}")`));
    } finally {
      await ledger.close();
    }
  });

  it('asks for --orders when it is missing, and refuses a bad --seed or --start', async () => {
    const { config } = first;
    await expect(cli(config, [])).rejects.toThrow(/--orders is required/);
    await expect(cli(config, ['--orders', '5', '--seed', 'x'])).rejects.toThrow(UsageError);
    await expect(cli(config, ['--orders', '5', '--start', 'yesterday'])).rejects.toThrow(/--start must be an ISO-8601 instant/);
  });
});

describePostgres('service-ledger simulate on PostgreSQL', () => {
  let pg: Ledger & { summary: SimulationSummary };
  let embedded: Ledger & { summary: SimulationSummary };
  const SMALL: SimulateOptions = { orders: 120, seed: 11, cities: 4 };

  beforeAll(async () => {
    pg = await simulated('postgres', SMALL);
    embedded = await simulated('embedded', SMALL);
  }, 240_000);

  afterAll(async () => {
    await pg?.close();
    await embedded?.close();
  });

  it('writes the same streams, event for event, as the embedded store does', () => {
    expect(heads(pg.events)).toEqual(heads(embedded.events));
  });

  it('counts in its summary what the store holds, and every chain verifies', () => {
    expect(pg.summary.events).toBe(pg.events.length);
    expect(pg.summary.eventsByType).toEqual(countBy(pg.events, (e) => e.type));
    expect(pg.summary.refusals).toEqual(embedded.summary.refusals);
    for (const [stream, list] of byStream(pg.events)) expect(verifyStream(stream, list).ok).toBe(true);
  });

  it('refuses a schema that already holds events', async () => {
    await expect(cli(pg.config, ['--orders', '3'])).rejects.toThrow(/already holds events/);
  });
});
