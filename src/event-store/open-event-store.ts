import { join } from 'node:path';
import type { AppConfig } from '../config/config.js';
import type { Clock } from '../shared/clock.js';
import type { EventStore } from './event-store.port.js';

/**
 * Opens the adapter the configuration names. Used by the service, the CLI, verification workers
 * and the benchmarks. Adapters load on demand: the EventStoreDB client (gRPC) alone takes about
 * half a second to load, which every CLI run and worker thread would otherwise pay.
 */
export async function openEventStore(config: AppConfig, clock: Clock): Promise<EventStore> {
  switch (config.store) {
    case 'embedded': {
      const { EmbeddedEventStore } = await import('./embedded.event-store.js');
      return new EmbeddedEventStore({ path: join(config.dataDir, 'ledger.sqlite'), clock, synchronous: config.sqliteSynchronous });
    }
    case 'postgres': {
      const { PostgresEventStore } = await import('./postgres.event-store.js');
      return PostgresEventStore.open({ connectionString: config.databaseUrl!, schema: config.pgSchema, clock });
    }
    case 'eventstoredb': {
      const { EventStoreDbEventStore } = await import('./eventstoredb.event-store.js');
      return new EventStoreDbEventStore({ connectionString: config.eventstoreUrl!, clock });
    }
  }
}
