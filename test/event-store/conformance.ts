import { FixedClock } from '../../src/shared/clock.js';
import { deriveEventId } from '../../src/event-store/append-core.js';
import type { RecordedEvent } from '../../src/event-store/envelope.js';
import {
  type EventStore,
  IdempotencyConflict,
  InvalidAppend,
  WrongExpectedRevision,
} from '../../src/event-store/event-store.port.js';
import { handleCommand } from '../../src/event-store/handle-command.js';
import { GENESIS_HASH, verifyStream } from '../../src/event-store/hash-chain.js';
import type { Decider } from '../../src/shared/decider.js';
import type { ProjectedEvent } from '../../projections/projection.js';
import { readAllAhead, toProjected } from '../../src/event-store/read-ahead.js';
import { collect, meta, noted, TEST_ACTOR } from '../support/events.js';

/** What a conformance run needs from an adapter. */
export interface StoreFixture {
  open(clock: FixedClock): Promise<EventStore>;
  /** Direct edits of the stored data, where the store allows them (not EventStoreDB's log). */
  tamper?: {
    editData(store: EventStore, stream: string, revision: number, data: unknown): Promise<void>;
    deleteEvent(store: EventStore, stream: string, revision: number): Promise<void>;
  };
}

const START = '2026-03-01T08:00:00.000Z';

/** A counter decider: each Increment command records one Incremented event. */
type Counter = { value: number };
type Increment = { by: number };
const counter: Decider<Counter, Increment, { type: 'Incremented'; data: { by: number } }> = {
  initialState: { value: 0 },
  decide: (command) => [{ type: 'Incremented', data: { by: command.by } }],
  evolve: (state, event) => ({ value: state.value + event.data.by }),
};

export function conformanceSuite(fixture: StoreFixture): void {
  let store: EventStore;
  let clock: FixedClock;
  let seq = 0;
  /** Stream names unique to one test, so suites against a shared server never collide. */
  const stream = (name: string) => `${name}-${process.pid}-${Date.now().toString(36)}-${seq++}`;
  /** Command ids unique to one test, for the same reason. */
  let token = '';
  const m = (commandId: string) => meta(`${token}:${commandId}`);
  const ev = (commandId: string, data: Record<string, unknown> = {}, type = 'Noted') => noted(`${token}:${commandId}`, data, type);

  beforeEach(async () => {
    token = `${process.pid}-${Date.now().toString(36)}-${seq++}`;
    clock = new FixedClock(START);
    store = await fixture.open(clock);
  });
  afterEach(async () => {
    await store.close();
  });

  describe('append', () => {
    it('records events with their full envelope and a hash chain starting at genesis', async () => {
      const s = stream('order');
      const result = await store.append(s, [ev('cmd-a', { n: 1 }), ev('cmd-a', { n: 2 }, 'Other')], 'no_stream');
      expect(result.alreadyAppended).toBe(false);
      expect(result.revision).toBe(1);
      const events = await store.readStream(s);
      expect(events.map((e) => [e.type, e.revision, e.data])).toEqual([
        ['Noted', 0, { n: 1 }],
        ['Other', 1, { n: 2 }],
      ]);
      const [first, second] = events as [RecordedEvent, RecordedEvent];
      expect(first.eventId).toBe(deriveEventId(m('cmd-a').commandId, 0));
      expect(second.eventId).toBe(deriveEventId(m('cmd-a').commandId, 1));
      expect(first).toMatchObject({ stream: s, schemaVersion: 1, recordedAt: START, prevHash: GENESIS_HASH });
      expect(first.metadata).toEqual(m('cmd-a'));
      expect(second.prevHash).toBe(first.hash);
      expect(second.position).toBeGreaterThan(first.position);
      expect(result.position).toBe(second.position);
      expect(verifyStream(s, events)).toEqual({ ok: true, stream: s, events: 2, headHash: second.hash });
    });

    it('refuses no_stream on a stream that exists', async () => {
      const s = stream('order');
      await store.append(s, [ev('c1')], 'no_stream');
      await expect(store.append(s, [ev('c2')], 'no_stream')).rejects.toBeInstanceOf(WrongExpectedRevision);
      expect(await store.readStream(s)).toHaveLength(1);
    });

    it('refuses a stale exact revision and accepts the current one', async () => {
      const s = stream('order');
      await store.append(s, [ev('c1')], 'no_stream');
      await store.append(s, [ev('c2')], 0);
      const stale = store.append(s, [ev('c3')], 0);
      await expect(stale).rejects.toBeInstanceOf(WrongExpectedRevision);
      await expect(stale).rejects.toMatchObject({ stream: s, expected: 0, actual: 1 });
      await expect(store.append(s, [ev('c4')], 1)).resolves.toMatchObject({ revision: 2 });
    });

    it('refuses stream_exists on a missing stream and accepts it on an existing one', async () => {
      const s = stream('order');
      await expect(store.append(s, [ev('c1')], 'stream_exists')).rejects.toBeInstanceOf(WrongExpectedRevision);
      expect(await store.readStream(s)).toEqual([]);
      await store.append(s, [ev('c2')], 'no_stream');
      await expect(store.append(s, [ev('c3')], 'stream_exists')).resolves.toMatchObject({ revision: 1 });
    });

    it('lets exactly one of two racing writers win, atomically', async () => {
      for (let round = 0; round < 10; round++) {
        const s = stream('race');
        await store.append(s, [ev(`base-${round}`)], 'no_stream');
        const writers = ['x', 'y'].map((w) =>
          store.append(s, [ev(`${w}-${round}`, { w, i: 0 }), ev(`${w}-${round}`, { w, i: 1 })], 0),
        );
        const outcomes = await Promise.allSettled(writers);
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[];
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(1);
        expect(lost[0]!.reason).toBeInstanceOf(WrongExpectedRevision);
        const events = await store.readStream(s);
        expect(events).toHaveLength(3);
        // Both events of the winner, none of the loser.
        expect(new Set(events.slice(1).map((e) => (e.data as { w: string }).w)).size).toBe(1);
        expect(verifyStream(s, events).ok).toBe(true);
      }
    });

    it('appends a large command (hundreds of events) in order, atomically', async () => {
      const s = stream('bulk');
      const events = Array.from({ length: 250 }, (_, i) => ev('bulk', { i }));
      const result = await store.append(s, events, 'no_stream');
      expect(result.revision).toBe(249);
      const read = await store.readStream(s);
      expect(read.map((e) => (e.data as { i: number }).i)).toEqual(events.map((_, i) => i));
      for (let i = 1; i < read.length; i++) expect(read[i]!.position).toBeGreaterThan(read[i - 1]!.position);
      expect(result.events.map((e) => e.position)).toEqual(read.map((e) => e.position));
      expect(verifyStream(s, read).ok).toBe(true);
      await expect(store.append(s, events, 'no_stream')).resolves.toMatchObject({ alreadyAppended: true, revision: 249 });
    });

    it('rejects malformed appends and writes nothing', async () => {
      const s = stream('order');
      await expect(store.append(s, [], 'no_stream')).rejects.toBeInstanceOf(InvalidAppend);
      const mixed = [ev('c1'), ev('c2')];
      await expect(store.append(s, mixed, 'no_stream')).rejects.toBeInstanceOf(InvalidAppend);
      await expect(store.append(s, [ev('c3', { amountFen: 1.5 })], 'no_stream')).rejects.toBeInstanceOf(InvalidAppend);
      expect(await store.readStream(s)).toEqual([]);
    });
  });

  describe('idempotent appends', () => {
    it('reports a repeated command as already appended, with the original revision and position', async () => {
      const s = stream('order');
      const first = await store.append(s, [ev('pay-1', { amountFen: 500 })], 'no_stream');
      clock.advance(60_000);
      const again = await store.append(s, [ev('pay-1', { amountFen: 500 })], 'no_stream');
      expect(again.alreadyAppended).toBe(true);
      expect(again.revision).toBe(first.revision);
      expect(again.position).toBe(first.position);
      expect(again.events[0]!.recordedAt).toBe(START);
      expect(await store.readStream(s)).toHaveLength(1);
    });

    it('recognises the repeat even after the stream moved on', async () => {
      const s = stream('order');
      const first = await store.append(s, [ev('c1', { k: 1 })], 'no_stream');
      await store.append(s, [ev('c2')], 0);
      const again = await store.append(s, [ev('c1', { k: 1 })], 'no_stream');
      expect(again).toMatchObject({ alreadyAppended: true, revision: 0, position: first.position });
      expect(await store.readStream(s)).toHaveLength(2);
    });

    it('refuses the same command id with different content', async () => {
      const s = stream('order');
      await store.append(s, [ev('pay-2', { amountFen: 500 })], 'no_stream');
      await expect(store.append(s, [ev('pay-2', { amountFen: 900 })], 0)).rejects.toBeInstanceOf(IdempotencyConflict);
      expect((await store.readStream(s)).map((e) => e.data)).toEqual([{ amountFen: 500 }]);
    });

    it('records concurrent duplicates of one command once', async () => {
      const s = stream('order');
      const results = await Promise.all(
        [1, 2, 3].map(() => store.append(s, [ev('dup-1', { n: 1 }), ev('dup-1', { n: 2 })], 'no_stream')),
      );
      expect(await store.readStream(s)).toHaveLength(2);
      expect(results.filter((r) => !r.alreadyAppended)).toHaveLength(1);
      expect(new Set(results.map((r) => r.position))).toEqual(new Set([results[0]!.position]));
    });
  });

  describe('handleCommand', () => {
    it('retries on conflict so that concurrent commands all land, each once', async () => {
      const s = stream('counter');
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => handleCommand(store, s, counter, { by: 1 }, m(`inc-${i}`), { maxAttempts: 20 })),
      );
      const events = await store.readStream(s);
      expect(events).toHaveLength(8);
      expect(new Set(events.map((e) => e.metadata.commandId)).size).toBe(8);
      expect(Math.max(...results.map((r) => r.revision))).toBe(7);
    });

    it('returns the original outcome for a repeated command without deciding again', async () => {
      const s = stream('counter');
      const first = await handleCommand(store, s, counter, { by: 5 }, m('inc-x'));
      await handleCommand(store, s, counter, { by: 1 }, m('inc-y'));
      const again = await handleCommand(store, s, counter, { by: 5 }, m('inc-x'));
      expect(again).toMatchObject({ alreadyAppended: true, revision: first.revision, position: first.position });
      expect(await store.readStream(s)).toHaveLength(2);
    });
  });

  describe('reads', () => {
    it('reads a stream from a revision, up to a count, up to a recorded time', async () => {
      const s = stream('order');
      for (let i = 0; i < 5; i++) {
        await store.append(s, [ev(`r${i}`, { i })], i === 0 ? 'no_stream' : i - 1);
        clock.advance(60_000);
      }
      const rev = (events: RecordedEvent[]) => events.map((e) => e.revision);
      expect(rev(await store.readStream(s, { fromRevision: 2 }))).toEqual([2, 3, 4]);
      expect(rev(await store.readStream(s, { fromRevision: 1, maxCount: 2 }))).toEqual([1, 2]);
      expect(rev(await store.readStream(s, { until: '2026-03-01T08:02:00.000Z' }))).toEqual([0, 1, 2]);
      expect(rev(await store.readStream(s, { until: '2026-03-01T08:02:00+00:00' }))).toEqual([0, 1, 2]);
      expect(await store.readStream(stream('missing'))).toEqual([]);
    });

    it('reads $all in batches in append order, never repeating or skipping', async () => {
      const start = (await store.headPosition()) + 1n;
      const mine: string[] = [];
      const streams = [stream('a'), stream('b'), stream('c')];
      for (let i = 0; i < 30; i++) {
        const s = streams[i % 3]!;
        const result = await store.append(s, [ev(`all-${s}-${i}`, { i })], i < 3 ? 'no_stream' : Math.floor(i / 3) - 1);
        mine.push(result.events[0]!.eventId);
      }
      const seen: RecordedEvent[] = [];
      let from = start;
      for (;;) {
        const batch = await store.readAll({ fromPosition: from, maxCount: 7 });
        if (batch.length === 0) break;
        expect(batch.length).toBeLessThanOrEqual(7);
        seen.push(...batch);
        from = batch[batch.length - 1]!.position + 1n;
      }
      for (let i = 1; i < seen.length; i++) expect(seen[i]!.position).toBeGreaterThan(seen[i - 1]!.position);
      expect(seen.map((e) => e.eventId).filter((id) => mine.includes(id))).toEqual(mine);
      expect(await store.headPosition()).toBe(seen[seen.length - 1]!.position);
    });
  });

  describe('reading $all ahead (rebuilds)', () => {
    it('hands out what readAll gives, as projections read it, in batches of the size asked, the last one short', async () => {
      const start = (await store.headPosition()) + 1n;
      const streams = [stream('a'), stream('b'), stream('c')];
      for (let i = 0; i < 23; i++) {
        const s = streams[i % 3]!;
        await store.append(s, [ev(`ahead-${s}-${i}`, { i, note: i === 4 ? '上门检测' : `n${i}` })], i < 3 ? 'no_stream' : Math.floor(i / 3) - 1);
      }
      const reader = readAllAhead(store, start, 5);
      const sizes: number[] = [];
      const read: ProjectedEvent[] = [];
      for (;;) {
        const batch = await reader.next();
        sizes.push(batch.length);
        read.push(...batch);
        if (batch.length < 5) break;
      }
      await reader.close();
      expect(sizes).toEqual([5, 5, 5, 5, 3]);
      expect(await reader.next()).toEqual([]);
      const plain = await store.readAll({ fromPosition: start, maxCount: 100 });
      expect(read).toEqual(plain.map(toProjected));
      expect(read[4]).toMatchObject({ stream: streams[1], revision: 1, actor: TEST_ACTOR, data: { i: 4, note: '上门检测' } });
    });
  });

  describe('subscribeAll', () => {
    it('catches up, then delivers live appends in order', async () => {
      const s = stream('sub');
      const start = (await store.headPosition()) + 1n;
      await store.append(s, [ev('s0', { i: 0 }), ev('s0', { i: 1 })], 'no_stream');
      const subscription = store.subscribeAll({ fromPosition: start, batchSize: 2 });
      let delivered = 0;
      const received = collect(subscription, 5, (batch) => {
        delivered += batch.length;
      });
      await waitFor(() => delivered >= 2);
      await store.append(s, [ev('s1', { i: 2 })], 1);
      await store.append(s, [ev('s2', { i: 3 }), ev('s2', { i: 4 })], 2);
      const events = (await received).filter((e) => e.stream === s);
      expect(events.map((e) => (e.data as { i: number }).i)).toEqual([0, 1, 2, 3, 4]);
    });

    it('starts at the given position', async () => {
      const s = stream('sub');
      await store.append(s, [ev('p0', { i: 0 })], 'no_stream');
      const second = await store.append(s, [ev('p1', { i: 1 })], 0);
      await store.append(s, [ev('p2', { i: 2 })], 1);
      const subscription = store.subscribeAll({ fromPosition: second.position });
      const events = await collect(subscription, 2);
      expect(events.map((e) => (e.data as { i: number }).i)).toEqual([1, 2]);
    });
  });

  if (fixture.tamper) {
    const tamper = fixture.tamper;
    describe('hash chain verification', () => {
      async function chain(s: string) {
        await store.append(s, [ev('t0', { amountFen: 100 })], 'no_stream');
        await store.append(s, [ev('t1', { amountFen: 200 })], 0);
        await store.append(s, [ev('t2', { amountFen: 300 })], 1);
      }

      it('names an edited event', async () => {
        const s = stream('audit');
        await chain(s);
        await tamper.editData(store, s, 1, { amountFen: 20 });
        const verdict = verifyStream(s, await store.readStream(s));
        expect(verdict).toMatchObject({ ok: false, stream: s, revision: 1, problem: 'hash_mismatch' });
      });

      it('names the place of a deleted event', async () => {
        const s = stream('audit');
        await chain(s);
        await tamper.deleteEvent(store, s, 1);
        const verdict = verifyStream(s, await store.readStream(s));
        expect(verdict).toMatchObject({ ok: false, stream: s, revision: 1, problem: 'revision_gap' });
      });
    });
  }
}

/** Waits for a condition driven by the store's own progress (bounded; no fixed sleeps). */
export async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
