import { billsProjection } from '../../projections/bills.projection.js';
import type { Row } from '../../projections/projection.js';
import { readCheckpoint, readCheckpoints } from '../../src/read-models/checkpoints.js';
import { ReadModels } from '../../src/read-models/read-models.js';
import { meta } from '../support/events.js';
import { caughtUp, openTestLedger, simulateInto, type TestLedger } from '../support/ledger.js';
import { describePostgres } from '../support/postgres.js';
import type { TestStore } from '../support/app.js';

const HISTORY = { orders: 150, seed: 7 };

function runnerSuite(kind: TestStore) {
  let ledger: TestLedger;
  let head: bigint;

  /**
   * The live tables equal a clean rebuild from position 0 of the same store (positions differ
   * between stores, so the reference is always this ledger's own rebuild).
   */
  async function expectEqualToRebuild(): Promise<void> {
    const live = await ledger.readModels.digests();
    expect(live.bills!.rows).toBe(HISTORY.orders);
    expect(live.bill_lines!.rows).toBeGreaterThan(HISTORY.orders);
    expect(live.complaint_views!.rows).toBeGreaterThan(0);
    expect(live.engineer_scores!.rows).toBeGreaterThan(0);
    const result = await ledger.readModels.rebuild(ledger.store, ['bills', 'complaints', 'engineer-scores'], { batchSize: 333 });
    expect(result.position).toBe(head);
    expect(await ledger.readModels.digests()).toEqual(live);
  }

  beforeEach(async () => {
    ledger = await openTestLedger(kind, { PROJECTION_BATCH_SIZE: '64' });
    await simulateInto(ledger, HISTORY);
    head = await ledger.store.headPosition();
  });

  afterEach(async () => {
    await ledger.close();
  });

  it('fills every table from the history, and a rebuild from position 0 gives identical tables', async () => {
    const runner = ledger.runner();
    runner.start();
    await caughtUp(runner, head);
    await runner.stop();
    await expectEqualToRebuild();
  });

  it('resumes after a stop between batches at its checkpoint and counts nothing twice', async () => {
    const first = ledger.runner();
    let batches = 0;
    const stopped = new Promise<void>((resolve) => {
      first.progress.subscribe(() => {
        if (++batches === 5) resolve();
      });
    });
    first.start();
    await stopped;
    await first.stop();
    const cp = await readCheckpoint(ledger.readModels.db, 'bills');
    expect(cp!.position).not.toBeNull();
    expect(cp!.position! < head).toBe(true);

    const second = ledger.runner();
    second.start();
    await caughtUp(second, head);
    await second.stop();
    await expectEqualToRebuild();
  });

  it('rolls back a batch that fails after its rows were written, and a restart ends equal to a clean rebuild', async () => {
    const first = ledger.runner();
    let batches = 0;
    let before: Map<string, unknown> | null = null;
    const crashed = new Promise<void>((resolve) => {
      first.beforeCommit = async (_batch, trx) => {
        if (++batches < 4) return;
        before = await readCheckpoints(trx);
        resolve();
        throw new Error('simulated crash after the row writes, before commit');
      };
    });
    first.start();
    await crashed;
    await first.stop();
    // Nothing of the failed batch was committed: the checkpoints are where the third batch left them.
    expect(await readCheckpoints(ledger.readModels.db)).toEqual(before);

    const second = ledger.runner();
    second.start();
    await caughtUp(second, head);
    await second.stop();
    await expectEqualToRebuild();
  });

  it('runs one runner at a time: a second instance stands by and nothing is applied twice', async () => {
    const other = await ledger.openReadModels();
    const a = ledger.runner();
    const b = ledger.runner(other);
    a.start();
    await caughtUp(a, head);
    b.start();
    // b cannot take the lease while a holds it.
    await new Promise((resolve) => setImmediate(resolve));
    expect(a.role).toBe('active');
    expect(b.role).toBe('standby');
    expect(b.states()).toEqual([]);
    await a.stop();
    await b.stop();
    await expectEqualToRebuild();
  });

  it('stops a projection at an event it cannot read, says so, and keeps the others going', async () => {
    // A payment whose amount is not a number, on an order the history created: only bills reads it.
    const created = (await ledger.store.readAll({ maxCount: 10_000 })).find((e) => e.type === 'OrderCreated')!;
    const orderEvents = await ledger.store.readStream(created.stream);
    const bad = await ledger.store.append(
      created.stream,
      [{ type: 'PaymentRecorded', schemaVersion: 1, data: { orderId: (created.data as { orderId: string }).orderId, paymentId: 'P-bad', amountFen: 'lots', method: 'cash', reference: 'r' }, metadata: meta('bad-payment') }],
      orderEvents.length - 1,
    );
    const later = await ledger.store.append(
      'engineer-late-1',
      [
        {
          type: 'EngineerRegistered',
          schemaVersion: 1,
          data: { engineerId: 'late-1', name: 'Late', phone: '13800000000', providerType: 'individual', providerId: 'p', cities: ['Wuhan'], categories: ['tv'] },
          metadata: meta('late-1'),
        },
      ],
      'no_stream',
    );
    const runner = ledger.runner();
    runner.start();
    await caughtUp(runner, later.position);
    const states = Object.fromEntries(runner.states().map((s) => [s.name, s]));
    expect(states.bills!.status).toBe('failed');
    expect(states.bills!.error).toContain(`position ${bad.position}`);
    expect(BigInt(states.bills!.position!)).toBeLessThan(bad.position);
    expect(states.complaints!.status).toBe('running');
    const stored = await readCheckpoint(ledger.readModels.db, 'bills');
    expect(stored!.status).toBe('failed');
    expect(stored!.error).toContain(created.stream);
    expect(states['engineer-scores']!.status).toBe('running');
    const scores = await ledger.readModels.store.load(ledger.readModels.db, ledger.readModels.table('score_engineers'), 'score_engineers', [['late-1']]);
    expect(scores.map((r: Row) => r.engineer_id)).toEqual(['late-1']);
  });

  it('rebuilds a projection whose version changed before going live', async () => {
    const runner = ledger.runner();
    runner.start();
    await caughtUp(runner, head);
    await runner.stop();
    await ledger.readModels.db.updateTable('projection_checkpoints').set({ version: 0 }).where('name', '=', 'bills').execute();
    const again = ledger.runner();
    again.start();
    await caughtUp(again, head);
    const cp = await readCheckpoint(ledger.readModels.db, 'bills');
    expect(cp!.version).toBe(billsProjection.version);
    expect(cp!.generation).toBe(1);
    await again.stop();
    await expectEqualToRebuild();
  });

  it('with a row cache far smaller than the tables (rows written, dropped and read back), runs and rebuilds to the same tables', async () => {
    const small = new ReadModels(ledger.readModels.sql, ledger.readModels.projections, ledger.clock, 30);
    const runner = ledger.runner(small);
    runner.start();
    await caughtUp(runner, head);
    await runner.stop();
    await expectEqualToRebuild();
    const ample = await ledger.readModels.digests();
    await small.rebuild(ledger.store, ['bills', 'complaints', 'engineer-scores'], { batchSize: 50 });
    expect(await ledger.readModels.digests()).toEqual(ample);
  });

  it('keeps answering from the old tables while a rebuild runs, and swaps at the end', async () => {
    const runner = ledger.runner();
    runner.start();
    await caughtUp(runner, head);
    await runner.stop();
    const reader = await ledger.openReadModels();
    const count = async () => Number((await reader.db.selectFrom('bills').select(reader.db.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const seen: number[] = [];
    await ledger.readModels.rebuild(ledger.store, ['bills'], {
      batchSize: 100,
      onProgress: async () => void seen.push(await count()),
    });
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.every((n) => n === HISTORY.orders)).toBe(true);
    expect(await count()).toBe(HISTORY.orders);
    expect((await readCheckpoint(ledger.readModels.db, 'bills'))!.generation).toBe(1);
  });
}

describe('the projection runner on the embedded store', () => runnerSuite('embedded'));
describePostgres('the projection runner on PostgreSQL', () => runnerSuite('postgres'));
