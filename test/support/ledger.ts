import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstValueFrom, filter } from 'rxjs';
import { type AppConfig, loadConfig } from '../../src/config/config.js';
import type { EventStore } from '../../src/event-store/event-store.port.js';
import { openEventStore } from '../../src/event-store/open-event-store.js';
import { ProjectionRunner } from '../../src/read-models/projection-runner.js';
import { openReadModels, type ReadModels } from '../../src/read-models/read-models.js';
import { FixedClock } from '../../src/shared/clock.js';
import { simulate } from '../../src/simulate/simulate.js';
import type { SimulationSummary } from '../../src/simulate/summary.js';
import { DATABASE_URL, freshSchema } from './postgres.js';
import { TEST_START, type TestStore } from './app.js';

/** An event store and read models without HTTP, on a temp dir or a fresh PostgreSQL schema. */
export interface TestLedger {
  config: AppConfig;
  clock: FixedClock;
  store: EventStore;
  readModels: ReadModels;
  /** Another connection to the same read database, as a second instance or a CLI would have. */
  openReadModels(): Promise<ReadModels>;
  runner(readModels?: ReadModels): ProjectionRunner;
  close(): Promise<void>;
}

export async function openTestLedger(kind: TestStore, env: Record<string, string> = {}): Promise<TestLedger> {
  const dataDir = mkdtempSync(join(tmpdir(), 'service-ledger-rm-'));
  const pg = kind === 'postgres' ? await freshSchema('rm') : null;
  const config = loadConfig({
    NODE_ENV: 'test',
    // Test ledgers live in temp dirs and die with the test: no fsync per commit.
    SQLITE_SYNCHRONOUS: 'NORMAL',
    STORE: kind,
    DATA_DIR: dataDir,
    ...(pg ? { DATABASE_URL: DATABASE_URL!, PG_SCHEMA: pg.schema } : {}),
    ...env,
  });
  const clock = new FixedClock(TEST_START);
  const store = await openEventStore(config, clock);
  const opened: ReadModels[] = [];
  const open = async () => {
    const rm = await openReadModels(config, clock);
    opened.push(rm);
    return rm;
  };
  const readModels = await open();
  const runners: ProjectionRunner[] = [];
  return {
    config,
    clock,
    store,
    readModels,
    openReadModels: open,
    runner(rm = readModels) {
      const runner = new ProjectionRunner(store, rm, clock, config);
      runners.push(runner);
      return runner;
    },
    async close() {
      for (const runner of runners) await runner.stop();
      for (const rm of opened) await rm.sql.close();
      await store.close();
      await pg?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * A believable history written into the ledger's (empty) store by the simulator, through the real
 * command handlers: deterministic for the seed. Returns the simulator's summary.
 */
export function simulateInto(ledger: TestLedger, options: { orders: number; seed: number }): Promise<SimulationSummary> {
  return simulate(ledger.config, options);
}

/** Resolves once every projection's committed checkpoint is at or past `position` (no sleeps: it waits on the runner). */
export async function caughtUp(runner: ProjectionRunner, position: bigint): Promise<void> {
  const done = () => {
    const states = runner.states();
    return states.length > 0 && states.every((s) => s.status === 'failed' || (s.position !== null && BigInt(s.position) >= position));
  };
  if (done()) return;
  await firstValueFrom(runner.progress.pipe(filter(done)));
}
