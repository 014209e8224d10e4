import { NestFactory } from '@nestjs/core';
import { CommandBus } from '@nestjs/cqrs';
import { AppModule } from '../app.module.js';
import type { AppConfig } from '../config/config.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { CommandContextFactory } from '../http/command-context.js';
import { FixedClock } from '../shared/clock.js';
import { isIsoInstant } from '../shared/time.js';
import { CITIES } from './catalogue.js';
import { Driver } from './driver.js';
import { type SimulationSummary, summarize } from './summary.js';
import { type SimulationPlan, World } from './world.js';

export const DEFAULT_START = '2026-01-05T00:00:00.000Z';
/**
 * Orders arrive over about four weeks, at most 3,000 a day (a large platform's region): small
 * runs still spread over weeks, 200,000 orders over about two months.
 */
function defaultOrdersPerDay(orders: number): number {
  return Math.min(3_000, Math.max(100, Math.ceil(orders / 28)));
}
const DEFAULT_MAX_IN_FLIGHT = 20_000;
export const MAX_ORDERS = 10_000_000;

export interface SimulateOptions {
  /** Service orders to create (repeat visits included). */
  orders: number;
  /** Same seed and options, same events in every stream. */
  seed: number;
  /** The simulated clock's first instant (ISO-8601 UTC). */
  start?: string;
  /** Average new orders per simulated day (default: see defaultOrdersPerDay). */
  ordersPerDay?: number;
  /** How many of the catalogue's cities are served, largest first (1 to 36). */
  cities?: number;
  /** Most orders open at once; arrivals wait while the window is full. */
  maxInFlight?: number;
}

export interface SimulationProgress {
  orders: number;
  ordersCreated: number;
  ordersFinished: number;
  events: number;
  commands: number;
  /** Rough share of the work done, 0..1. */
  fraction: number;
  /** The simulated clock now. */
  simulatedAt: string;
}

export interface SimulateHooks {
  onProgress?(progress: SimulationProgress): void;
}

/** The target store already holds events: simulating into it would mix invented orders into a real ledger. */
export class StoreNotEmpty extends Error {
  constructor(readonly store: string) {
    super(
      `the ${store} store already holds events; simulate writes invented orders and refuses to mix them into an existing ledger ` +
        '(point DATA_DIR at an empty directory, or PG_SCHEMA at a new schema)',
    );
    this.name = 'StoreNotEmpty';
  }
}

/** Checks the options and fills in the defaults; throws RangeError naming what is wrong. */
function planSimulation(config: AppConfig, options: SimulateOptions): SimulationPlan {
  const whole = (name: string, value: number, min: number, max: number) => {
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      throw new RangeError(`${name} must be a whole number from ${min} to ${max} (got ${String(value)})`);
    }
    return value;
  };
  const start = options.start ?? DEFAULT_START;
  if (!isIsoInstant(start)) throw new RangeError(`start must be an ISO-8601 instant such as ${DEFAULT_START} (got ${start})`);
  return {
    orders: whole('orders', options.orders, 1, MAX_ORDERS),
    seed: whole('seed', options.seed, 0, 0xffffffff),
    startMs: Date.parse(start),
    ordersPerDay: whole('ordersPerDay', options.ordersPerDay ?? defaultOrdersPerDay(options.orders), 1, 1_000_000),
    cities: CITIES.slice(0, whole('cities', options.cities ?? CITIES.length, 1, CITIES.length)),
    thresholdFen: config.compensationSupervisorThresholdFen,
    maxInFlight: whole('maxInFlight', options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT, 1, 1_000_000),
  };
}

/**
 * Runs a simulation against the configured store through the application's own command
 * handlers (a Nest application context: no HTTP, the projection runner off), on a simulated
 * clock. Refuses a store that already holds events. Returns what happened, counted from the
 * command bus's answers.
 */
export async function simulate(config: AppConfig, options: SimulateOptions, hooks: SimulateHooks = {}): Promise<SimulationSummary> {
  const plan = planSimulation(config, options);
  const start = new Date(plan.startMs).toISOString();
  const clock = new FixedClock(start);
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({ ...config, projections: { ...config.projections, run: false } }, clock),
    { logger: ['error'], abortOnError: false },
  );
  try {
    const store = app.get<EventStore>(EVENT_STORE);
    if ((await store.headPosition()) > 0n) throw new StoreNotEmpty(store.kind);
    const driver = new Driver(app.get(CommandBus), app.get(CommandContextFactory), store, `sim${plan.seed}`);
    const world = new World(plan, driver, (ms) => clock.set(new Date(ms).toISOString()));
    const started = performance.now();
    await world.run((p) => {
      hooks.onProgress?.({
        orders: plan.orders,
        ordersCreated: p.ordersCreated,
        ordersFinished: p.ordersFinished,
        events: driver.tally.events,
        commands: driver.tally.commands,
        fraction: (p.ordersCreated + p.ordersFinished) / (2 * plan.orders),
        simulatedAt: clock.now(),
      });
    });
    const elapsedMs = performance.now() - started;
    return summarize({
      seed: plan.seed,
      store: store.kind,
      start,
      end: clock.now(),
      engineers: world.engineers.length,
      rateCards: world.cards.size,
      thresholdFen: plan.thresholdFen,
      tally: driver.tally,
      observed: world.observed,
      elapsedMs,
    });
  } finally {
    await app.close();
  }
}
