import { EmbeddedEventStore } from '../../src/event-store/embedded.event-store.js';
import type { EventStore } from '../../src/event-store/event-store.port.js';
import { conformanceSuite } from './conformance.js';

const db = (store: EventStore) => (store as EmbeddedEventStore).database;

describe('the embedded (SQLite) event store', () => {
  conformanceSuite({
    open: async (clock) => new EmbeddedEventStore({ path: ':memory:', clock, pollMs: 20 }),
    tamper: {
      editData: async (store, stream, revision, data) => {
        db(store).prepare('UPDATE events SET data = ? WHERE stream = ? AND revision = ?').run(JSON.stringify(data), stream, revision);
      },
      deleteEvent: async (store, stream, revision) => {
        db(store).prepare('DELETE FROM events WHERE stream = ? AND revision = ?').run(stream, revision);
      },
    },
  });
});
