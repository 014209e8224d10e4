import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProjectedEvent } from '../../projections/projection.js';
import { EmbeddedEventStore } from '../../src/event-store/embedded.event-store.js';
import type { AllReader, EventStore } from '../../src/event-store/event-store.port.js';
import { FixedClock } from '../../src/shared/clock.js';
import { noted } from '../support/events.js';
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

describe('the embedded store reading $all ahead for a rebuild', () => {
  let dir: string;
  let store: EmbeddedEventStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'read-ahead-'));
    store = new EmbeddedEventStore({ path: join(dir, 'ledger.sqlite'), clock: new FixedClock('2026-03-01T08:00:00.000Z') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** 23 events over three streams. */
  async function record(): Promise<void> {
    for (let i = 0; i < 23; i++) {
      await store.append(`order-${i % 3}`, [noted(`cmd-${i}`, { i, note: `n${i}` })], i < 3 ? 'no_stream' : Math.floor(i / 3) - 1);
    }
  }

  async function drain(reader: AllReader, batchSize: number): Promise<ProjectedEvent[][]> {
    const batches: ProjectedEvent[][] = [];
    for (;;) {
      const batch = await reader.next();
      batches.push(batch);
      if (batch.length < batchSize) break;
    }
    await reader.close();
    return batches;
  }

  it('starts at the position asked, ends with an empty batch when the last one was full, and reads nothing past the head', async () => {
    await record();
    const batches = await drain(store.readAhead(14n, 5), 5);
    expect(batches.map((b) => b.length)).toEqual([5, 5, 0]);
    expect(batches.flat().map((e) => e.position)).toEqual(Array.from({ length: 10 }, (_, i) => String(14 + i)));
    expect(await drain(store.readAhead(24n, 5), 5)).toEqual([[]]);
  });

  it('fails the read on a payload it cannot parse rather than leave the event out', async () => {
    await record();
    store.database.prepare('UPDATE events SET data = ? WHERE position = 7').run('{"i": 6, "note":');
    const reader = store.readAhead(1n, 5);
    await expect(reader.next()).resolves.toHaveLength(5);
    await expect(reader.next()).rejects.toThrow(/the payload of order-0@2 \(position 7\) is not JSON/);
    // Asked again, it does not hand out the batch after the one it could not read.
    await expect(reader.next()).rejects.toThrow(/position 7/);
    await reader.close();
  });
});
