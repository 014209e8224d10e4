import { EventStoreDbEventStore } from '../../src/event-store/eventstoredb.event-store.js';
import { conformanceSuite } from './conformance.js';

/**
 * Runs only when EVENTSTORE_URL points at an EventStoreDB/KurrentDB server (e.g. `docker compose up
 * eventstore` and EVENTSTORE_URL=esdb://localhost:2113?tls=false). The tamper tests do not apply:
 * EventStoreDB's log cannot be edited in place.
 */
const url = process.env.EVENTSTORE_URL;
const describeEsdb = url ? describe : describe.skip;

describeEsdb(`the EventStoreDB event store${url ? '' : ' (skipped: EVENTSTORE_URL is not set)'}`, () => {
  conformanceSuite({
    open: async (clock) => new EventStoreDbEventStore({ connectionString: url!, clock, pollMs: 50 }),
  });
});
