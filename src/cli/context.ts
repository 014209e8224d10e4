import { userInfo } from 'node:os';
import { loadConfig } from '../config/config.js';
import type { Actor, Role } from '../event-store/envelope.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { openEventStore } from '../event-store/open-event-store.js';
import { openReadModels, type ReadModels } from '../read-models/read-models.js';
import { type Clock, SystemClock } from '../shared/clock.js';

export interface Ledger {
  store: EventStore;
  clock: Clock;
  readModels: ReadModels;
}

/** Opens the configured event store alone (the same environment as the service), runs, closes. */
export async function withStore<T>(work: (ledger: Omit<Ledger, 'readModels'>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const clock = new SystemClock();
  const store = await openEventStore(config, clock);
  try {
    return await work({ store, clock });
  } finally {
    await store.close();
  }
}

/** Opens the configured event store and read models, runs, closes. */
export async function withLedger<T>(work: (ledger: Ledger) => Promise<T>): Promise<T> {
  return withStore(async ({ store, clock }) => {
    const readModels = await openReadModels(loadConfig(), clock);
    try {
      return await work({ store, readModels, clock });
    } finally {
      await readModels.sql.close();
    }
  });
}

/** Who the CLI acts as in what it records: the operating-system user, with the role given. */
export function cliActor(role: Role): Actor {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry for this uid (some containers): the actor stays 'cli:unknown'.
  }
  return { id: `cli:${user}`, role };
}
