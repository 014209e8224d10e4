import fc from 'fast-check';
import { allProjections, DEFAULT_COMPLAINT_SLA } from '../../projections/index.js';
import type { ProjectedEvent, Projection, Row } from '../../projections/projection.js';
import { replay, RowSet, rowKey } from '../../projections/row-set.js';
import { addMs, DAY_MS, HOUR_MS, isIsoInstant } from '../../src/shared/time.js';
import { agent, complaintOrder, customer, History, ITEMS, line, orderCreated } from './events.js';

const START = '2026-05-01T08:00:00.000Z';
const at = (hours: number) => addMs(START, hours * HOUR_MS);
const supervisor = { id: 'sup-1', role: 'supervisor' as const };

/** A busy stretch of service: every event type each projection reads, interleaved across streams. */
function busyWeek(): ProjectedEvent[] {
  const h = new History(START);
  const register = (engineerId: string, city: string) =>
    h.add('EngineerRegistered', { engineerId, name: `师傅 ${engineerId}`, phone: '13800138000', providerType: 'manufacturer', providerId: 'midea-sh', cities: [city], categories: ['air_conditioner'] });
  const dispatch = (orderId: string, engineerId: string, when: string) =>
    h.add('EngineerDispatched', { orderId, engineerId, category: 'air_conditioner', at: when, policy: 'enforce', credentials: [], missing: [] }, when);
  register('eng-1', 'shanghai');
  register('eng-2', 'beijing');

  // An ordinary order, quoted, consented, charged, voided, paid, refunded, rated.
  h.add('OrderCreated', orderCreated('ord-1'), at(1));
  h.add('QuoteIssued', { orderId: 'ord-1', quoteRevision: 1, lines: [], customerTotalFen: 11_500, totalFen: 11_500 }, at(2));
  h.add('QuoteAccepted', { orderId: 'ord-1', quoteRevision: 1, customerTotalFen: 11_500, acceptedBy: customer }, at(3), customer);
  // A package order, booked meanwhile.
  h.add('OrderCreated', orderCreated('ord-2', { package: { code: 'PKG-AC-CLEAN', priceFen: 19_900, fundedBy: 'brand' } }), at(3));
  dispatch('ord-1', 'eng-1', at(4));
  dispatch('ord-2', 'eng-2', at(4));
  h.add('EngineerCheckedIn', { orderId: 'ord-1', engineerId: 'eng-1', at: at(50), late: false }, at(50));
  h.add('EngineerCheckedIn', { orderId: 'ord-2', engineerId: 'eng-2', at: at(51), late: true }, at(51));
  const consent = { quoteRevision: 1, ceilingFen: 11_500 };
  h.add('ChargeAdded', line('ord-1', 'L1', ITEMS.diag, 1, 5000, 'customer', consent), at(51));
  h.add('PartUsed', line('ord-2', 'L1', ITEMS.gas, 2, 6000, 'brand'), at(51));
  h.add('PartUsed', line('ord-1', 'L2', ITEMS.capacitor, 1, 4500, 'customer', consent), at(52));
  h.add('ChargeAdded', line('ord-1', 'L3', ITEMS.visit, 1, 2000, 'customer', consent), at(52));
  h.add('LineVoided', { orderId: 'ord-1', lineId: 'L3', reason: 'entered twice', amountFen: 2000, payer: 'customer' }, at(53));
  h.add('OrderCompleted', { orderId: 'ord-1', engineerId: 'eng-1', outcome: 'fixed' }, at(54));
  h.add('OrderCompleted', { orderId: 'ord-2', engineerId: 'eng-2', outcome: 'not_fixed' }, at(54));
  h.add('PaymentRecorded', { orderId: 'ord-1', paymentId: 'P1', amountFen: 9500, method: 'wechat', reference: 'wx-1' }, at(55), customer);
  h.add('PaymentRecorded', { orderId: 'ord-2', paymentId: 'P1', amountFen: 19_900, method: 'app', reference: 'app-1' }, at(55), customer);
  h.add('OrderRated', { orderId: 'ord-1', engineerId: 'eng-1', stars: 5 }, at(56), customer);
  h.add('OrderRated', { orderId: 'ord-2', engineerId: 'eng-2', stars: 2 }, at(56), customer);

  // A complaint about the ordinary order, worked through to a reopen and a second resolution.
  const filed = { orderId: 'ord-1', category: 'overcharge' as const, description: 'the capacitor cost too much', owner: null, filedBy: { id: 'cust-1', role: 'customer' as const } };
  h.add('ComplaintFiled', { ...filed, complaintId: 'cmp-1', claimedFen: 4500, order: complaintOrder('eng-1') }, at(60), customer);
  h.add('ComplaintAcknowledged', { complaintId: 'cmp-1', owner: 'agent-1' }, at(61));
  h.add('ComplaintTransferred', { complaintId: 'cmp-1', fromOwner: 'agent-1', toOwner: 'agent-2', reason: 'brand desk' }, at(62));
  const paid = { complaintId: 'cmp-1', orderId: 'ord-1', reason: 'goodwill', approvedBy: { id: 'agent-2', role: 'agent' as const }, thresholdFen: 100_000 };
  h.add('CompensationPaid', { ...paid, compensationId: 'C1', amountFen: 1000, totalCompensatedFen: 1000 }, at(63));
  h.add('ComplaintEscalated', { complaintId: 'cmp-1', reason: 'customer unhappy' }, at(64));
  h.add('ComplaintResolved', { complaintId: 'cmp-1', outcome: 'rejected', liableParty: 'none' }, at(65), supervisor);
  h.add('ComplaintReopened', { complaintId: 'cmp-1', reason: 'receipt found' }, at(70), supervisor);
  h.add('RefundRecorded', { orderId: 'ord-1', refundId: 'R1', amountFen: 500, reason: 'part price' }, at(71));
  h.add('ComplaintResolved', { complaintId: 'cmp-1', outcome: 'partially_upheld', liableParty: 'engineer' }, at(72), supervisor);
  h.add('CompensationPaid', { ...paid, compensationId: 'C2', amountFen: 500, totalCompensatedFen: 1500 }, at(72));

  // A repeat visit for the package order, a cancelled order, a suspension and reinstatement.
  h.add('OrderCreated', orderCreated('ord-3', { repeatOf: 'ord-2' }), at(80));
  h.add('ComplaintFiled', { ...filed, orderId: 'ord-2', category: 'workmanship', complaintId: 'cmp-2', claimedFen: 150_000, order: complaintOrder('eng-2') }, at(81), customer);
  h.add('EngineerSuspended', { engineerId: 'eng-2', reason: 'complaint under review' }, at(82));
  h.add('OrderCreated', orderCreated('ord-4'), at(83));
  h.add('OrderCancelled', { orderId: 'ord-4', reason: 'no longer needed' }, at(84));
  h.add('ComplaintAcknowledged', { complaintId: 'cmp-2', owner: 'agent-3' }, at(90));
  h.add('EngineerReinstated', { engineerId: 'eng-2', reason: 'cleared' }, addMs(START, 5 * DAY_MS));

  // Reads of the record, each recorded in the order's read-audit stream.
  const read = (orderId: string, revision: number, data: Record<string, unknown>, hours: number, actor: { id: string; role: string }) => {
    const position = String(h.events.length + 1);
    h.events.push({ type: 'OrderRecordRead', schemaVersion: 1, stream: `read-audit-${orderId}`, revision, position, recordedAt: addMs(START, hours * HOUR_MS), eventId: `evt-${position}`, actor, data: { orderId, ...data } });
  };
  read('ord-1', 0, { what: 'history', channel: 'http', asOf: at(60), reason: 'complaint cmp-1' }, 130, { id: 'comp-1', role: 'compliance' });
  read('ord-1', 1, { what: 'evidence', channel: 'http' }, 131, agent);
  read('ord-2', 0, { what: 'export', channel: 'cli' }, 132, { id: 'cli:auditor', role: 'compliance' });
  return h.events;
}

type Tables = Map<string, Map<string, Row>>;

/** Every table of a row set, rows in key order. */
function snapshot(projection: Projection, set: RowSet): Record<string, Row[]> {
  return Object.fromEntries(
    projection.tables.map((t) => [t.name, [...set.table(t.name).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row)]),
  );
}

function storedSnapshot(projection: Projection, stored: Tables): Record<string, Row[]> {
  return Object.fromEntries(
    projection.tables.map((t) => [t.name, [...(stored.get(t.name) ?? new Map<string, Row>()).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row)]),
  );
}

/** Splits events into consecutive batches at the given cut points. */
function batches(events: ProjectedEvent[], cuts: number[]): ProjectedEvent[][] {
  const points = [...new Set(cuts.map((c) => c % (events.length + 1)))].sort((a, b) => a - b);
  const out: ProjectedEvent[][] = [];
  let from = 0;
  for (const p of [...points, events.length]) {
    out.push(events.slice(from, p));
    from = p;
  }
  return out;
}

/**
 * As the runner does it: per batch, a fresh row set holding only the stored rows the batch's
 * changes name; the dirty rows are written back to the store after each batch.
 */
function throughAStore(projection: Projection, events: ProjectedEvent[], cuts: number[]): Tables {
  const stored: Tables = new Map(projection.tables.map((t) => [t.name, new Map<string, Row>()]));
  const set = new RowSet(projection);
  for (const batch of batches(events, cuts)) {
    set.clear();
    const planned = batch.flatMap((event) => {
      const changes = set.changesFor(event);
      return changes === null ? [] : [{ event, changes }];
    });
    for (const { changes } of planned) {
      for (const change of changes) {
        const row = stored.get(change.table)!.get(rowKey(change.key));
        if (row) set.load(change.table, rowKey(change.key), row);
      }
    }
    for (const { event, changes } of planned) set.applyChanges(event, changes);
    for (const [table, rows] of set.takeDirty()) {
      const spec = projection.tables.find((t) => t.name === table)!;
      for (const row of rows) stored.get(table)!.set(rowKey(spec.primaryKey.map((c) => row[c]!)), row);
    }
  }
  return stored;
}

const projections = allProjections({ complaintSla: DEFAULT_COMPLAINT_SLA });
const named = projections.map((p) => [p.name, p] as const);

describe('all projections', () => {
  it('are bills, complaints, engineer scores and the read audit, with the complaint SLA settings given', () => {
    const custom = allProjections({ complaintSla: { ackHours: 1, resolveHoursSmall: 12, resolveHoursLarge: 48, largeClaimFen: 50_000 } });
    expect(custom.map((p) => [p.name, p.version])).toEqual([
      ['bills', 2],
      ['complaints', 2],
      ['engineer-scores', 1],
      ['read-audit', 1],
    ]);
    expect(custom[1]!.settings).toEqual({ ackHours: 1, resolveHoursSmall: 12, resolveHoursLarge: 48, largeClaimFen: 50_000 });
    expect(custom[2]!.settings).toEqual({ policyVersion: 1, repeatVisitDays: 30 });
  });

  describe.each(named)('%s', (_name, projection) => {
    it('describes every table and column for the analysts', () => {
      for (const table of projection.tables) {
        expect(table.description.length).toBeGreaterThan(40);
        for (const column of table.columns) expect([table.name, column.name, column.description.length > 5]).toEqual([table.name, column.name, true]);
      }
    });

    it('keys and indexes its tables on columns they have, each named once', () => {
      for (const table of projection.tables) {
        const names = table.columns.map((c) => c.name);
        expect(new Set(names).size).toBe(names.length);
        for (const column of [...table.primaryKey, ...(table.indexes ?? []).flat()]) expect(names).toContain(column);
        for (const column of table.primaryKey) expect(table.columns.find((c) => c.name === column)?.nullable).toBeFalsy();
      }
    });

    it('writes rows that fit their columns exactly, with the last event that changed them', () => {
      const events = busyWeek();
      const set = replay(projection, events);
      const positions = new Set(events.map((e) => e.position));
      let count = 0;
      for (const table of projection.tables) {
        for (const row of set.table(table.name).values()) {
          count++;
          expect(Object.keys(row)).toEqual(table.columns.map((c) => c.name));
          for (const c of table.columns) {
            const v = row[c.name];
            if (v === null) expect([table.name, c.name, c.nullable]).toEqual([table.name, c.name, true]);
            else if (c.type === 'timestamp') expect(isIsoInstant(v)).toBe(true);
            else if (c.type === 'integer') expect(Number.isSafeInteger(v)).toBe(true);
            else expect(typeof v).toBe(c.type === 'real' ? 'number' : c.type === 'text' ? 'string' : 'boolean');
          }
          expect(positions.has(String(row.last_position))).toBe(true);
          expect(row.updated_at).toBe(events.find((e) => e.position === row.last_position)!.recordedAt);
        }
      }
      expect(count).toBeGreaterThan(1);
    });

    it('gives the same rows when the same events are replayed into a fresh row set', () => {
      const events = busyWeek();
      expect(snapshot(projection, replay(projection, events))).toEqual(snapshot(projection, replay(projection, busyWeek())));
    });

    it('changes nothing when events it already applied are delivered again', () => {
      const events = busyWeek();
      const set = replay(projection, events);
      const before = snapshot(projection, set);
      set.takeDirty();
      for (const event of events) set.apply(event);
      expect([...set.takeDirty().values()].flat()).toEqual([]);
      expect(snapshot(projection, set)).toEqual(before);
    });

    it('gives the same rows whatever the batches, taking the dirty rows between them', () => {
      const events = busyWeek();
      const expected = snapshot(projection, replay(projection, events));
      fc.assert(
        fc.property(fc.array(fc.nat(events.length), { maxLength: 12 }), (cuts) => {
          const set = new RowSet(projection);
          const written: Tables = new Map(projection.tables.map((t) => [t.name, new Map<string, Row>()]));
          for (const batch of batches(events, cuts)) {
            for (const event of batch) set.apply(event);
            for (const [table, rows] of set.takeDirty()) {
              const spec = projection.tables.find((t) => t.name === table)!;
              for (const row of rows) written.get(table)!.set(rowKey(spec.primaryKey.map((c) => row[c]!)), row);
            }
          }
          expect(snapshot(projection, set)).toEqual(expected);
          expect(storedSnapshot(projection, written)).toEqual(expected);
        }),
        { seed: 20260501, numRuns: 60 },
      );
    });

    it('gives the same rows when each batch starts from only the stored rows it names', () => {
      const events = busyWeek();
      const expected = snapshot(projection, replay(projection, events));
      fc.assert(
        fc.property(fc.array(fc.nat(events.length), { maxLength: 12 }), (cuts) => {
          expect(storedSnapshot(projection, throughAStore(projection, events, cuts))).toEqual(expected);
        }),
        { seed: 20260502, numRuns: 60 },
      );
      // One event per batch, the hardest split.
      expect(storedSnapshot(projection, throughAStore(projection, events, events.map((_, i) => i)))).toEqual(expected);
    });
  });

  it('fill the bills, complaints and score tables from the busy week as expected', () => {
    const events = busyWeek();
    const [bills, complaints, scores] = projections.map((p) => replay(p, events));
    expect(bills!.table('bills').get(rowKey(['ord-1']))).toMatchObject({
      status: 'completed',
      customer_charges_fen: 9500,
      voided_fen: 2000,
      paid_fen: 9500,
      refunded_fen: 500,
      compensated_fen: 1500,
      balance_due_fen: 500,
      rating_stars: 5,
      breaches: '',
    });
    expect(bills!.table('bills').get(rowKey(['ord-2']))).toMatchObject({ brand_charges_fen: 6000, customer_due_fen: 19_900, balance_due_fen: 0 });
    expect(bills!.table('bills').get(rowKey(['ord-4']))).toMatchObject({ status: 'cancelled' });
    expect(complaints!.table('complaint_views').get(rowKey(['cmp-1']))).toMatchObject({
      status: 'resolved',
      owner: 'agent-2',
      outcome: 'partially_upheld',
      reopen_count: 1,
      compensated_fen: 1500,
      compensation_count: 2,
      escalated: false,
      resolve_sla: 'met',
      ack_sla: 'met',
    });
    expect(complaints!.table('complaint_views').get(rowKey(['cmp-2']))).toMatchObject({ status: 'acknowledged', ack_sla: 'breached', resolve_due_at: at(81 + 72) });
    expect(scores!.table('score_jobs').get(rowKey(['ord-2']))).toMatchObject({ engineer_id: 'eng-2', on_time: false, fixed: false, repeat_order_id: 'ord-3', stars: 2 });
    expect(scores!.table('score_complaints').get(rowKey(['cmp-1']))).toMatchObject({ upheld: true, engineer_id: 'eng-1' });
    expect(scores!.table('score_engineers').get(rowKey(['eng-2']))).toMatchObject({ status: 'active', home_city: 'beijing' });
    expect(scores!.table('engineer_scores').size).toBe(0);
  });
});
