import pg from 'pg';
import { FixedClock } from '../../src/shared/clock.js';
import type { RecordedEvent } from '../../src/event-store/envelope.js';
import type { EventStore } from '../../src/event-store/event-store.port.js';
import { PostgresEventStore } from '../../src/event-store/postgres.event-store.js';
import { collect, noted } from '../support/events.js';
import { DATABASE_URL, describePostgres, freshSchema } from '../support/postgres.js';
import { conformanceSuite } from './conformance.js';

describePostgres('the PostgreSQL event store', () => {
  let schema: string;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ schema, drop } = await freshSchema('es'));
  });
  afterAll(async () => {
    await drop?.();
  });

  const open = (clock: FixedClock) =>
    PostgresEventStore.open({ connectionString: DATABASE_URL!, schema, clock, pollMs: 20, poolSize: 8 });
  const sql = (store: EventStore) => (store as PostgresEventStore).pool;

  conformanceSuite({
    open,
    tamper: {
      editData: async (store, stream, revision, data) => {
        await sql(store).query(`UPDATE ${schema}.events SET data = $1 WHERE stream = $2 AND revision = $3`, [
          JSON.stringify(data),
          stream,
          revision,
        ]);
      },
      deleteEvent: async (store, stream, revision) => {
        await sql(store).query(`DELETE FROM ${schema}.events WHERE stream = $1 AND revision = $2`, [stream, revision]);
      },
    },
  });

  describe('while an earlier transaction is held open', () => {
    it('a subscriber waits for it instead of passing its position, then delivers everything in order', async () => {
      const store = await open(new FixedClock('2026-03-01T08:00:00.000Z'));
      const held = new pg.Client({ connectionString: DATABASE_URL });
      await held.connect();
      try {
        const start = (await store.headPosition()) + 1n;
        const received: RecordedEvent[] = [];
        const subscription = store.subscribeAll({ fromPosition: start });
        const done = collect(subscription, 4, (batch) => received.push(...batch));

        // The held transaction takes its transaction id (and so its position) first...
        await held.query('BEGIN');
        const heldAppend = await store.appendUsing(held, 'held-1', [noted('held', { i: 'held' })], 'no_stream');
        // ...then three later transactions commit while it is still open.
        for (let i = 0; i < 3; i++) await store.append(`later-${i}`, [noted(`later-${i}`, { i })], 'no_stream');
        const later = await store.readStream('later-2');
        expect(later[0]!.position).toBeGreaterThan(heldAppend.position);

        // The later events are committed and readable by stream, but $all stops at the horizon.
        expect(await store.readAll({ fromPosition: start })).toEqual([]);
        await new Promise((resolve) => setTimeout(resolve, 200)); // several poll intervals of the subscriber
        expect(received).toEqual([]);

        await held.query('COMMIT');
        const events = await done;
        expect(events.map((e) => e.stream)).toEqual(['held-1', 'later-0', 'later-1', 'later-2']);
      } finally {
        await held.end();
        await store.close();
      }
    });

    it('a rolled-back transaction leaves no event and does not stop readers', async () => {
      const store = await open(new FixedClock('2026-03-01T08:00:00.000Z'));
      const held = new pg.Client({ connectionString: DATABASE_URL });
      await held.connect();
      try {
        const start = (await store.headPosition()) + 1n;
        await held.query('BEGIN');
        await store.appendUsing(held, 'rolled-back', [noted('rb')], 'no_stream');
        await store.append('after-rollback', [noted('ar')], 'no_stream');
        await held.query('ROLLBACK');
        const events = await store.readAll({ fromPosition: start });
        expect(events.map((e) => e.stream)).toEqual(['after-rollback']);
      } finally {
        await held.end();
        await store.close();
      }
    });
  });
});
