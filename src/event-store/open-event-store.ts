import { join } from 'node:path';
import type { AppConfig } from '../config/config.js';
import type { Clock } from '../shared/clock.js';
import { EmbeddedEventStore } from './embedded.event-store.js';
import type { EventStore } from './event-store.port.js';
import { EventStoreDbEventStore } from './eventstoredb.event-store.js';
import { PostgresEventStore } from './postgres.event-store.js';

/** Opens the adapter the configuration names. Used by the service, the CLI and the benchmarks. */
export async function openEventStore(config: AppConfig, clock: Clock): Promise<EventStore> {
  switch (config.store) {
    case 'embedded':
      return new EmbeddedEventStore({ path: join(config.dataDir, 'ledger.sqlite'), clock, synchronous: config.sqliteSynchronous });
    case 'postgres':
      return PostgresEventStore.open({ connectionString: config.databaseUrl!, schema: config.pgSchema, clock });
    case 'eventstoredb':
      return new EventStoreDbEventStore({ connectionString: config.eventstoreUrl!, clock });
  }
}
