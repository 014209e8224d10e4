import { loadConfig } from '../config/config.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { openEventStore } from '../event-store/open-event-store.js';
import type { ReadModels } from '../read-models/read-models.js';
import { openReadModels } from '../read-models/read-models.module.js';
import { SystemClock } from '../shared/clock.js';

export interface Ledger {
  store: EventStore;
  readModels: ReadModels;
}

/** Opens the configured event store and read models (the same environment as the service), runs, closes. */
export async function withLedger<T>(work: (ledger: Ledger) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const clock = new SystemClock();
  const store = await openEventStore(config, clock);
  try {
    const readModels = await openReadModels(config, clock);
    try {
      return await work({ store, readModels });
    } finally {
      await readModels.sql.close();
    }
  } finally {
    await store.close();
  }
}
