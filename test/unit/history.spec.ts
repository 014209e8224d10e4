import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedEventStore } from '../../src/event-store/embedded.event-store.js';
import type { RecordedEvent } from '../../src/event-store/envelope.js';
import { customerChargesFen, orderDecider, type OrderState } from '../../src/orders/domain/order.decider.js';
import type { OrderEvent } from '../../src/orders/domain/order.events.js';
import { FixedClock } from '../../src/shared/clock.js';
import { generateHistory, type HistoryAppend, HISTORY_COMPENSATION_THRESHOLD_FEN, writeHistory } from '../support/history.js';

const ORDERS = 300;
const SEED = 7;

function digest(appends: Iterable<HistoryAppend>): string {
  const hash = createHash('sha256');
  for (const append of appends) hash.update(JSON.stringify(append)).update('\n');
  return hash.digest('hex');
}

const EVENT_TYPES = [
  'RateCardPublished',
  'EngineerRegistered',
  'CredentialVerified',
  'EngineerSuspended',
  'EngineerReinstated',
  'OrderCreated',
  'QuoteIssued',
  'QuoteAccepted',
  'EngineerDispatched',
  'EngineerCheckedIn',
  'PartUsed',
  'ChargeAdded',
  'LineVoided',
  'OrderCompleted',
  'PaymentRecorded',
  'RefundRecorded',
  'OrderRated',
  'OrderCancelled',
  'ComplaintLinked',
  'ComplaintFiled',
  'ComplaintAcknowledged',
  'ComplaintTransferred',
  'CompensationPaid',
  'ComplaintEscalated',
  'ComplaintResolved',
  'ComplaintReopened',
];

describe('the generated history', () => {
  const history = [...generateHistory({ orders: ORDERS, seed: SEED })];
  const events = history.flatMap((a) => a.events.map((e) => ({ stream: a.stream, ...e })));
  const orderStreams = new Map<string, OrderEvent[]>();
  for (const a of history) {
    if (!a.stream.startsWith('order-')) continue;
    const list = orderStreams.get(a.stream) ?? [];
    for (const e of a.events) list.push({ type: e.type, data: e.data } as OrderEvent);
    orderStreams.set(a.stream, list);
  }
  const orders = [...orderStreams.values()].map((list) => list.reduce(orderDecider.evolve, orderDecider.initialState as OrderState));

  it('is the same for the same seed, and differs for another seed', () => {
    expect(digest(generateHistory({ orders: ORDERS, seed: SEED }))).toBe(digest(history));
    expect(digest(generateHistory({ orders: ORDERS, seed: SEED + 1 }))).not.toBe(digest(history));
  });

  it('has one stream per order, and about ten to fourteen events per order', () => {
    expect(orderStreams.size).toBe(ORDERS);
    const orderAndComplaintEvents = events.filter((e) => e.stream.startsWith('order-') || e.stream.startsWith('complaint-')).length;
    expect(orderAndComplaintEvents / ORDERS).toBeGreaterThan(10);
    expect(orderAndComplaintEvents / ORDERS).toBeLessThan(14);
  });

  it('holds every event type', () => {
    const types = new Set(events.map((e) => e.type));
    expect(EVENT_TYPES.filter((t) => !types.has(t))).toEqual([]);
  });

  it('is in time order: every event recorded explicitly, never earlier than the one before', () => {
    const canonical = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
    expect(events.filter((e) => !canonical.test(e.recordedAt ?? ''))).toEqual([]);
    expect(events.filter((e, i) => i > 0 && e.recordedAt! < events[i - 1]!.recordedAt!)).toEqual([]);
    expect(events[0]!.recordedAt).toBe('2026-01-05T08:00:00.000Z');
  });

  it('gives each append one unique command id and the exact expected revision', () => {
    const commandIds = new Set<string>();
    const revisions = new Map<string, number>();
    const wrong: unknown[] = [];
    for (const a of history) {
      const commandId = a.events[0]!.metadata.commandId;
      if (!a.events.every((e) => e.metadata.commandId === commandId && e.schemaVersion === 1)) wrong.push({ mixed: a });
      if (commandIds.has(commandId)) wrong.push({ reused: commandId });
      commandIds.add(commandId);
      const revision = revisions.get(a.stream);
      if (a.expectedRevision !== (revision ?? 'no_stream')) wrong.push({ stream: a.stream, expected: a.expectedRevision, actual: revision });
      revisions.set(a.stream, (revision ?? -1) + a.events.length);
    }
    expect(wrong).toEqual([]);
  });

  it('keeps the money rules on every order (DESIGN rules 3, 4 and 5)', () => {
    for (const order of orders) {
      if (order.status === 'none') throw new Error('an order stream without OrderCreated');
      const customerLines = order.lines.filter((l) => l.payer === 'customer');
      if (order.package) {
        expect(customerLines).toEqual([]);
        expect(order.quotes.every((q) => q.customerTotalFen === 0)).toBe(true);
        expect(order.paidFen - order.refundedFen).toBeLessThanOrEqual(order.package.priceFen);
      } else {
        expect(customerChargesFen(order)).toBeLessThanOrEqual(order.accepted?.ceilingFen ?? 0);
        expect(customerLines.every((l) => l.consent !== undefined && l.amountFen <= l.consent.ceilingFen)).toBe(true);
      }
      for (const q of order.quotes) {
        expect(q.totalFen).toBe(q.lines.reduce((s, l) => s + l.amountFen, 0));
        expect(q.customerTotalFen).toBe(q.lines.reduce((s, l) => (l.payer === 'customer' ? s + l.amountFen : s), 0));
      }
      expect(order.refundedFen).toBeLessThanOrEqual(order.paidFen);
      expect(order.lines.every((l) => l.amountFen === l.unitPriceFen * l.quantity)).toBe(true);
    }
  });

  it('tells a late arrival by the appointment window', () => {
    for (const order of orders) {
      if (order.status === 'none' || !order.checkedInAt) continue;
      expect(order.late).toBe(order.checkedInAt > order.appointment.to);
    }
  });

  it('has the usual mix: packages, repeats, cancellations, complaints', () => {
    const open = orders.flatMap((o) => (o.status === 'none' ? [] : [o]));
    const share = (n: number) => n / open.length;
    expect(share(open.filter((o) => o.package).length)).toBeGreaterThan(0.2);
    expect(share(open.filter((o) => o.package).length)).toBeLessThan(0.5);
    expect(share(open.filter((o) => o.status === 'cancelled').length)).toBeLessThan(0.12);
    expect(open.filter((o) => o.status === 'completed').length).toBeGreaterThan(ORDERS * 0.85);
    expect(share(open.filter((o) => o.complaints.length > 0).length)).toBeGreaterThan(0.03);
    expect(share(open.filter((o) => o.complaints.length > 0).length)).toBeLessThan(0.15);
  });

  it('names only earlier completed orders of the same product as repeats', () => {
    // 300 orders span half a day, before any order completes: repeats need a longer history.
    const completed = new Set<string>();
    const products = new Map<string, string>();
    let repeats = 0;
    const wrong: unknown[] = [];
    for (const a of generateHistory({ orders: 3000, seed: SEED })) {
      for (const e of a.events) {
        const data = e.data as { orderId: string; product: unknown; repeatOf?: string };
        if (e.type === 'OrderCreated') {
          products.set(data.orderId, JSON.stringify(data.product));
          if (data.repeatOf) {
            repeats++;
            if (!completed.has(data.repeatOf) || products.get(data.repeatOf) !== JSON.stringify(data.product)) wrong.push(data);
          }
        }
        if (e.type === 'OrderCompleted') completed.add(data.orderId);
      }
    }
    expect(wrong).toEqual([]);
    expect(repeats).toBeGreaterThan(50);
  });

  it('has a supervisor approve compensation once the order total reaches the threshold (DESIGN rule 5)', () => {
    const byOrder = new Map<string, number>();
    for (const e of events) {
      if (e.type !== 'CompensationPaid') continue;
      const data = e.data as { orderId: string; amountFen: number; approvedBy: { role: string }; thresholdFen: number };
      const total = (byOrder.get(data.orderId) ?? 0) + data.amountFen;
      byOrder.set(data.orderId, total);
      expect(data.thresholdFen).toBe(HISTORY_COMPENSATION_THRESHOLD_FEN);
      if (total >= HISTORY_COMPENSATION_THRESHOLD_FEN) expect(data.approvedBy.role).toBe('supervisor');
    }
  });

  it('writes to an embedded store: readAll returns what writeHistory reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'history-'));
    const store = new EmbeddedEventStore({ path: join(dir, 'ledger.sqlite'), clock: new FixedClock('2030-01-01T00:00:00.000Z') });
    try {
      const progress: number[] = [];
      const written = await writeHistory(store, { orders: ORDERS, seed: SEED }, (n) => progress.push(n));
      expect(written).toEqual({ events: events.length, streams: new Set(history.map((a) => a.stream)).size, orders: ORDERS });
      expect(progress[progress.length - 1]).toBe(written.events);

      const read: RecordedEvent[] = [];
      for (let from = 0n; ; ) {
        const batch = await store.readAll({ fromPosition: from, maxCount: 5000 });
        if (batch.length === 0) break;
        read.push(...batch);
        from = batch[batch.length - 1]!.position + 1n;
      }
      expect(read.length).toBe(written.events);
      // Positions follow the generated order, and the store kept each event's recorded time.
      expect(read.map((e) => e.recordedAt)).toEqual(events.map((e) => e.recordedAt));
      expect(read.map((e) => e.type)).toEqual(events.map((e) => e.type));
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
