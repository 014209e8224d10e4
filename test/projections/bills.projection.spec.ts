import { billsProjection } from '../../projections/bills.projection.js';
import { ProjectionError, type ProjectedEvent, type Row } from '../../projections/projection.js';
import { replay, RowSet, rowKey } from '../../projections/row-set.js';
import { customer, History, ITEMS, line, orderCreated } from './events.js';

const BOOKED = '2026-05-01T08:00:00.000Z';
const QUOTED = '2026-05-01T09:00:00.000Z';
const ACCEPTED = '2026-05-01T09:30:00.000Z';
const DISPATCHED = '2026-05-02T08:00:00.000Z';
const ON_SITE = '2026-05-04T11:00:00.000Z';
const WORKED = '2026-05-04T11:30:00.000Z';
const DONE = '2026-05-04T12:30:00.000Z';
const AFTER = '2026-05-04T14:00:00.000Z';
const LATER = '2026-05-05T09:00:00.000Z';

const ORDER = 'ord-1';
const consent = { quoteRevision: 1, ceilingFen: 11_500 };

const bill = (events: ProjectedEvent[], orderId = ORDER): Row | undefined => replay(billsProjection, events).table('bills').get(rowKey([orderId]));
const lineRow = (events: ProjectedEvent[], lineId: string): Row | undefined =>
  replay(billsProjection, events).table('bill_lines').get(rowKey([ORDER, lineId]));

/** An ordinary order: quoted at 115 yuan (diagnosis, capacitor, visit fee), accepted, dispatched, checked in. */
function onSite(h = new History(BOOKED)): History {
  h.add('OrderCreated', orderCreated(ORDER), BOOKED);
  h.add(
    'QuoteIssued',
    {
      orderId: ORDER,
      quoteRevision: 1,
      lines: [line(ORDER, 'q1', ITEMS.diag, 1, 5000, 'customer'), line(ORDER, 'q2', ITEMS.capacitor, 1, 4500, 'customer'), line(ORDER, 'q3', ITEMS.visit, 1, 2000, 'customer')].map(
        ({ orderId: _o, lineId: _l, ...priced }) => priced,
      ),
      customerTotalFen: 11_500,
      totalFen: 11_500,
    },
    QUOTED,
  );
  h.add('QuoteAccepted', { orderId: ORDER, quoteRevision: 1, customerTotalFen: 11_500, acceptedBy: customer }, ACCEPTED, customer);
  h.add('EngineerDispatched', { orderId: ORDER, engineerId: 'eng-1', category: 'air_conditioner', at: DISPATCHED, policy: 'enforce', credentials: [], missing: [] }, DISPATCHED);
  h.add('EngineerCheckedIn', { orderId: ORDER, engineerId: 'eng-1', at: ON_SITE, late: false }, ON_SITE);
  return h;
}

/** The ordinary order with a diagnosis (50 yuan) and a capacitor (45 yuan) charged, then completed. */
function charged(): History {
  const h = onSite();
  h.add('ChargeAdded', line(ORDER, 'L1', ITEMS.diag, 1, 5000, 'customer', consent), WORKED);
  h.add('PartUsed', line(ORDER, 'L2', ITEMS.capacitor, 1, 4500, 'customer', consent), WORKED);
  h.add('OrderCompleted', { orderId: ORDER, engineerId: 'eng-1', outcome: 'fixed' }, DONE);
  return h;
}

/** A package order (一价全包, 199 yuan) funded by `funder`, with a diagnosis and 200 g of gas on it. */
function packaged(funder: 'brand' | 'platform'): History {
  const h = new History(BOOKED);
  h.add('OrderCreated', orderCreated(ORDER, { package: { code: 'PKG-AC-CLEAN', priceFen: 19_900, fundedBy: funder } }), BOOKED);
  h.add('EngineerDispatched', { orderId: ORDER, engineerId: 'eng-1', category: 'air_conditioner', at: DISPATCHED, policy: 'enforce', credentials: [], missing: [] }, DISPATCHED);
  h.add('EngineerCheckedIn', { orderId: ORDER, engineerId: 'eng-1', at: ON_SITE, late: false }, ON_SITE);
  h.add('ChargeAdded', line(ORDER, 'L1', ITEMS.diag, 1, 5000, funder), WORKED);
  h.add('PartUsed', line(ORDER, 'L2', ITEMS.gas, 2, 6000, funder), WORKED);
  return h;
}

describe('the bills projection', () => {
  describe('a bill with a quote, consent, parts and charges', () => {
    it('shows the order, the consent and the standing charges per payer', () => {
      expect(bill(charged().events)).toEqual({
        order_id: ORDER,
        customer_id: 'cust-1',
        customer_name: '李女士',
        customer_phone: '13900139000',
        customer_address: '世纪大道 100 号',
        city: 'shanghai',
        brand: 'midea',
        category: 'air_conditioner',
        model: 'KFR-35GW',
        service_type: 'repair',
        status: 'completed',
        created_at: BOOKED,
        completed_at: DONE,
        cancelled_at: null,
        engineer_id: 'eng-1',
        package_code: null,
        package_price_fen: null,
        package_funder: null,
        quote_revision: 1,
        accepted_quote_revision: 1,
        consent_ceiling_fen: 11_500,
        customer_charges_fen: 9500,
        brand_charges_fen: 0,
        platform_charges_fen: 0,
        voided_fen: 0,
        line_count: 2,
        voided_line_count: 0,
        paid_fen: 0,
        refunded_fen: 0,
        compensated_fen: 0,
        customer_due_fen: 9500,
        balance_due_fen: 9500,
        rating_stars: null,
        breaches: '',
        last_position: '8',
        updated_at: DONE,
      });
    });

    it('lists each line with its rate-card price, consent and source event', () => {
      const set = replay(billsProjection, charged().events);
      expect([...set.table('bill_lines').values()]).toEqual([
        {
          order_id: ORDER,
          line_id: 'L1',
          code: 'LAB-DIAG',
          name: '上门检测',
          kind: 'labor',
          unit: 'visit',
          unit_price_fen: 5000,
          quantity: 1,
          amount_fen: 5000,
          payer: 'customer',
          rate_card_id: 'midea.air_conditioner.ALL',
          rate_card_version: 3,
          consent_quote_revision: 1,
          source_event_id: 'evt-6',
          source_type: 'ChargeAdded',
          source_position: '6',
          recorded_at: WORKED,
          voided: false,
          void_reason: null,
          void_event_id: null,
          last_position: '6',
          updated_at: WORKED,
        },
        expect.objectContaining({ line_id: 'L2', code: 'CAP-35UF', kind: 'part', amount_fen: 4500, source_type: 'PartUsed', source_event_id: 'evt-7' }),
      ]);
    });

    it('takes the rating of the order', () => {
      const h = charged();
      h.add('OrderRated', { orderId: ORDER, engineerId: 'eng-1', stars: 4 }, AFTER, customer);
      expect(bill(h.events)).toMatchObject({ rating_stars: 4, last_position: '9', updated_at: AFTER });
    });
  });

  describe('the status', () => {
    const statusAfter = (events: ProjectedEvent[], count: number) => bill(events.slice(0, count))?.status;

    it('follows the order through its life', () => {
      const events = charged().events;
      expect([1, 2, 3, 4, 5, 8].map((n) => statusAfter(events, n))).toEqual(['open', 'quoted', 'accepted', 'dispatched', 'in_service', 'completed']);
    });

    it('goes back to quoted when a revised quote awaits consent', () => {
      const h = new History(BOOKED);
      h.add('OrderCreated', orderCreated(ORDER), BOOKED);
      h.add('QuoteIssued', { orderId: ORDER, quoteRevision: 1, lines: [], customerTotalFen: 5000, totalFen: 5000 }, QUOTED);
      h.add('QuoteAccepted', { orderId: ORDER, quoteRevision: 1, customerTotalFen: 5000, acceptedBy: customer }, ACCEPTED, customer);
      h.add('QuoteIssued', { orderId: ORDER, quoteRevision: 2, lines: [], customerTotalFen: 9500, totalFen: 9500 }, ACCEPTED);
      expect(bill(h.events)).toMatchObject({ status: 'quoted', quote_revision: 2, accepted_quote_revision: 1, consent_ceiling_fen: 5000 });
    });

    it('stays in service when a revised quote is issued and accepted on site', () => {
      const h = onSite();
      h.add('QuoteIssued', { orderId: ORDER, quoteRevision: 2, lines: [], customerTotalFen: 20_000, totalFen: 20_000 }, WORKED);
      h.add('QuoteAccepted', { orderId: ORDER, quoteRevision: 2, customerTotalFen: 20_000, acceptedBy: customer }, WORKED, customer);
      expect(bill(h.events)).toMatchObject({ status: 'in_service', quote_revision: 2, accepted_quote_revision: 2, consent_ceiling_fen: 20_000 });
    });

    it('is cancelled, with the time, when the order is cancelled', () => {
      const h = new History(BOOKED);
      h.add('OrderCreated', orderCreated(ORDER), BOOKED);
      h.add('OrderCancelled', { orderId: ORDER, reason: 'customer changed plans' }, LATER);
      expect(bill(h.events)).toMatchObject({ status: 'cancelled', cancelled_at: LATER, completed_at: null });
    });
  });

  describe('a voided line', () => {
    function voided(): History {
      const h = onSite();
      h.add('ChargeAdded', line(ORDER, 'L1', ITEMS.diag, 1, 5000, 'customer', consent), WORKED);
      h.add('ChargeAdded', line(ORDER, 'L2', ITEMS.visit, 1, 2000, 'customer', consent), WORKED);
      h.add('LineVoided', { orderId: ORDER, lineId: 'L2', reason: 'entered twice', amountFen: 2000, payer: 'customer' }, AFTER);
      return h;
    }

    it('leaves the payer totals and counts in the voided amount', () => {
      expect(bill(voided().events)).toMatchObject({
        customer_charges_fen: 5000,
        voided_fen: 2000,
        line_count: 2,
        voided_line_count: 1,
        customer_due_fen: 5000,
        balance_due_fen: 5000,
        last_position: '8',
      });
    });

    it('is marked voided with the reason and the voiding event', () => {
      expect(lineRow(voided().events, 'L2')).toMatchObject({ voided: true, void_reason: 'entered twice', void_event_id: 'evt-8', amount_fen: 2000, last_position: '8', updated_at: AFTER });
      expect(lineRow(voided().events, 'L1')).toMatchObject({ voided: false, void_reason: null, void_event_id: null });
    });
  });

  describe('a package order', () => {
    it('makes the package price what the customer owes and puts every line on the brand that funds it', () => {
      const h = packaged('brand');
      h.add('PaymentRecorded', { orderId: ORDER, paymentId: 'P1', amountFen: 19_900, method: 'app', reference: 'app-1' }, WORKED, customer);
      expect(bill(h.events)).toMatchObject({
        package_code: 'PKG-AC-CLEAN',
        package_price_fen: 19_900,
        package_funder: 'brand',
        customer_charges_fen: 0,
        brand_charges_fen: 11_000,
        platform_charges_fen: 0,
        customer_due_fen: 19_900,
        paid_fen: 19_900,
        balance_due_fen: 0,
        breaches: '',
      });
    });

    it('puts the lines on the platform when the platform funds it', () => {
      expect(bill(packaged('platform').events)).toMatchObject({ brand_charges_fen: 0, platform_charges_fen: 11_000, customer_due_fen: 19_900, balance_due_fen: 19_900 });
    });

    it('owes nothing once cancelled: a package paid at booking is the customer credit until refunded', () => {
      const h = new History(BOOKED);
      h.add('OrderCreated', orderCreated(ORDER, { package: { code: 'PKG-AC-CLEAN', priceFen: 19_900, fundedBy: 'brand' } }), BOOKED);
      h.add('PaymentRecorded', { orderId: ORDER, paymentId: 'P1', amountFen: 19_900, method: 'app', reference: 'app-1' }, BOOKED, customer);
      h.add('OrderCancelled', { orderId: ORDER, reason: 'customer no longer needs the visit' }, QUOTED);
      expect(bill(h.events)).toMatchObject({ status: 'cancelled', customer_due_fen: 0, balance_due_fen: -19_900 });
      h.add('RefundRecorded', { orderId: ORDER, refundId: 'R1', amountFen: 19_900, reason: 'cancelled' }, ACCEPTED);
      expect(bill(h.events)).toMatchObject({ customer_due_fen: 0, paid_fen: 19_900, refunded_fen: 19_900, balance_due_fen: 0, breaches: '' });
    });

    it('takes a voided line off the funder', () => {
      const h = packaged('brand');
      h.add('LineVoided', { orderId: ORDER, lineId: 'L2', reason: 'wrong gas', amountFen: 6000, payer: 'brand' }, AFTER);
      expect(bill(h.events)).toMatchObject({ brand_charges_fen: 5000, voided_fen: 6000, customer_due_fen: 19_900 });
    });
  });

  describe('payments and refunds', () => {
    it('brings the balance to zero when the customer pays what is due', () => {
      const h = charged();
      h.add('PaymentRecorded', { orderId: ORDER, paymentId: 'P1', amountFen: 9500, method: 'wechat', reference: 'wx-1' }, AFTER, customer);
      expect(bill(h.events)).toMatchObject({ paid_fen: 9500, refunded_fen: 0, customer_due_fen: 9500, balance_due_fen: 0 });
    });

    it('adds a refund back to the balance', () => {
      const h = charged();
      h.add('PaymentRecorded', { orderId: ORDER, paymentId: 'P1', amountFen: 6000, method: 'wechat', reference: 'wx-1' }, AFTER, customer);
      h.add('PaymentRecorded', { orderId: ORDER, paymentId: 'P2', amountFen: 3500, method: 'cash', reference: 'cash-1' }, AFTER, customer);
      h.add('RefundRecorded', { orderId: ORDER, refundId: 'R1', amountFen: 2000, reason: 'goodwill' }, LATER);
      expect(bill(h.events)).toMatchObject({ paid_fen: 9500, refunded_fen: 2000, balance_due_fen: 2000, breaches: '' });
    });

    it('owes nothing on a cancelled order, its standing lines still shown', () => {
      // Cancelled on site, after a diagnosis was charged and partly paid.
      const h = onSite();
      h.add('ChargeAdded', line(ORDER, 'L1', ITEMS.diag, 1, 5000, 'customer', consent), WORKED);
      h.add('PaymentRecorded', { orderId: ORDER, paymentId: 'P1', amountFen: 2000, method: 'cash', reference: 'cash-1' }, WORKED, customer);
      h.add('OrderCancelled', { orderId: ORDER, reason: 'customer changed plans' }, LATER);
      expect(bill(h.events)).toMatchObject({ status: 'cancelled', customer_charges_fen: 5000, customer_due_fen: 0, paid_fen: 2000, balance_due_fen: -2000 });
    });

    it('shows a customer in credit as a negative balance', () => {
      const h = charged();
      h.add('PaymentRecorded', { orderId: ORDER, paymentId: 'P1', amountFen: 11_500, method: 'wechat', reference: 'wx-1' }, AFTER, customer);
      expect(bill(h.events)).toMatchObject({ customer_due_fen: 9500, balance_due_fen: -2000 });
    });
  });

  describe('advance compensation', () => {
    it("counts compensation paid on the order's complaints on its bill, outside the balance", () => {
      const h = charged();
      h.add('PaymentRecorded', { orderId: ORDER, paymentId: 'P1', amountFen: 9500, method: 'wechat', reference: 'wx-1' }, AFTER, customer);
      const paid = { orderId: ORDER, reason: 'part billed above list price', approvedBy: { id: 'agent-1', role: 'agent' as const }, thresholdFen: 100_000 };
      h.add('CompensationPaid', { ...paid, complaintId: 'cmp-1', compensationId: 'C1', amountFen: 3000, totalCompensatedFen: 3000 }, LATER);
      h.add('CompensationPaid', { ...paid, complaintId: 'cmp-2', compensationId: 'C1', amountFen: 2000, totalCompensatedFen: 2000 }, LATER);
      expect(bill(h.events)).toMatchObject({ compensated_fen: 5000, balance_due_fen: 0, last_position: '11' });
    });

    it('leaves the bill absent when the order was never seen', () => {
      const h = new History(LATER);
      h.add('CompensationPaid', {
        complaintId: 'cmp-1',
        compensationId: 'C1',
        orderId: 'ord-unknown',
        amountFen: 3000,
        reason: 'goodwill',
        approvedBy: { id: 'agent-1', role: 'agent' },
        thresholdFen: 100_000,
        totalCompensatedFen: 3000,
      });
      expect(replay(billsProjection, h.events).size).toBe(0);
    });
  });

  describe('rule breaches found on replay', () => {
    it('flags a customer charge recorded without consent', () => {
      const h = new History(BOOKED);
      h.add('OrderCreated', orderCreated(ORDER), BOOKED);
      h.add('ChargeAdded', line(ORDER, 'L1', ITEMS.diag, 1, 5000, 'customer'), WORKED);
      expect(bill(h.events)).toMatchObject({ breaches: 'customer_charges_exceed_consent', consent_ceiling_fen: null });
    });

    it('flags customer charges above the accepted quote', () => {
      const h = onSite();
      h.add('ChargeAdded', line(ORDER, 'L1', ITEMS.diag, 2, 10_000, 'customer', consent), WORKED);
      expect(bill(h.events)?.breaches).toBe('');
      h.add('ChargeAdded', line(ORDER, 'L2', ITEMS.visit, 1, 2000, 'customer', consent), WORKED);
      expect(bill(h.events)).toMatchObject({ customer_charges_fen: 12_000, consent_ceiling_fen: 11_500, breaches: 'customer_charges_exceed_consent' });
    });

    it('does not flag charges exactly at the accepted quote', () => {
      const h = onSite();
      h.add('ChargeAdded', line(ORDER, 'L1', ITEMS.diag, 1, 5000, 'customer', consent), WORKED);
      h.add('PartUsed', line(ORDER, 'L2', ITEMS.capacitor, 1, 4500, 'customer', consent), WORKED);
      h.add('ChargeAdded', line(ORDER, 'L3', ITEMS.visit, 1, 2000, 'customer', consent), WORKED);
      expect(bill(h.events)).toMatchObject({ customer_charges_fen: 11_500, breaches: '' });
    });

    it('flags a consent accepted below the charges already standing', () => {
      const h = onSite();
      h.add('ChargeAdded', line(ORDER, 'L1', ITEMS.diag, 2, 10_000, 'customer', consent), WORKED);
      h.add('QuoteIssued', { orderId: ORDER, quoteRevision: 2, lines: [], customerTotalFen: 5000, totalFen: 5000 }, AFTER);
      h.add('QuoteAccepted', { orderId: ORDER, quoteRevision: 2, customerTotalFen: 5000, acceptedBy: customer }, AFTER, customer);
      expect(bill(h.events)?.breaches).toBe('customer_charges_exceed_consent');
    });

    it('flags a customer-paid line on a package order', () => {
      const h = packaged('brand');
      h.add('ChargeAdded', line(ORDER, 'L3', ITEMS.visit, 1, 2000, 'customer'), WORKED);
      expect(bill(h.events)).toMatchObject({ customer_charges_fen: 2000, customer_due_fen: 19_900, breaches: 'package_customer_charge' });
    });

    it('flags a customer-paid line without consent, or on a package order, even when it is free', () => {
      const free = { ...ITEMS.visit, unitPriceFen: 0 };
      const ordinary = new History(BOOKED);
      ordinary.add('OrderCreated', orderCreated(ORDER), BOOKED);
      ordinary.add('ChargeAdded', line(ORDER, 'L1', free, 1, 0, 'customer'), WORKED);
      const packageOrder = packaged('brand');
      packageOrder.add('ChargeAdded', line(ORDER, 'L3', free, 1, 0, 'customer'), WORKED);
      expect(bill(ordinary.events)).toMatchObject({ customer_charges_fen: 0, breaches: 'customer_charges_exceed_consent' });
      expect(bill(packageOrder.events)).toMatchObject({ customer_charges_fen: 0, breaches: 'package_customer_charge' });
    });

    it('flags refunds above the payments received', () => {
      const h = charged();
      h.add('PaymentRecorded', { orderId: ORDER, paymentId: 'P1', amountFen: 5000, method: 'wechat', reference: 'wx-1' }, AFTER, customer);
      h.add('RefundRecorded', { orderId: ORDER, refundId: 'R1', amountFen: 5001, reason: 'goodwill' }, LATER);
      expect(bill(h.events)).toMatchObject({ paid_fen: 5000, refunded_fen: 5001, balance_due_fen: 9501, breaches: 'refunds_exceed_payments' });
    });

    it('lists several breaches sorted and keeps them after the numbers come back in line', () => {
      const h = new History(BOOKED);
      h.add('OrderCreated', orderCreated(ORDER), BOOKED);
      h.add('RefundRecorded', { orderId: ORDER, refundId: 'R1', amountFen: 100, reason: 'goodwill' }, WORKED);
      h.add('ChargeAdded', line(ORDER, 'L1', ITEMS.diag, 1, 5000, 'customer'), WORKED);
      h.add('LineVoided', { orderId: ORDER, lineId: 'L1', reason: 'not consented', amountFen: 5000, payer: 'customer' }, AFTER);
      h.add('PaymentRecorded', { orderId: ORDER, paymentId: 'P1', amountFen: 100, method: 'cash', reference: 'c-1' }, AFTER, customer);
      expect(bill(h.events)).toMatchObject({ customer_charges_fen: 0, paid_fen: 100, refunded_fen: 100, breaches: 'customer_charges_exceed_consent,refunds_exceed_payments' });
    });
  });

  describe('its rows', () => {
    it('name the last event that changed them, not the last one they saw', () => {
      const h = charged();
      h.add('EngineerDispatched', { orderId: ORDER, engineerId: 'eng-1', category: 'air_conditioner', at: AFTER, policy: 'enforce', credentials: [], missing: [] }, AFTER);
      expect(bill(h.events)).toMatchObject({ status: 'completed', engineer_id: 'eng-1', last_position: '8', updated_at: DONE });
    });

    it('do not change when an event already applied is delivered again', () => {
      const events = charged().events;
      const set = replay(billsProjection, events);
      set.takeDirty();
      const before = set.table('bills').get(rowKey([ORDER]));
      expect(set.apply(events[5]!)).toBe(true);
      expect(set.apply(events[7]!)).toBe(true);
      expect(set.table('bills').get(rowKey([ORDER]))).toBe(before);
      expect([...set.takeDirty().values()].flat()).toEqual([]);
    });

    it('stay absent for a void of a line on an order never seen', () => {
      const h = new History(AFTER);
      h.add('LineVoided', { orderId: 'ord-unknown', lineId: 'L1', reason: 'x', amountFen: 100, payer: 'customer' });
      expect(replay(billsProjection, h.events).size).toBe(0);
    });
  });

  describe('an event it cannot read', () => {
    const applying = (event: ProjectedEvent) => () => new RowSet(billsProjection).apply(event);
    const corrupt = (event: ProjectedEvent, data: Record<string, unknown>): ProjectedEvent => ({ ...event, data: { ...(event.data as object), ...data } });

    it('stops the projection on an amount that is not whole fen', () => {
      const events = charged().events;
      const set = replay(billsProjection, events.slice(0, 5));
      const payment = new History(AFTER).add('PaymentRecorded', { orderId: ORDER, paymentId: 'P1', amountFen: 99.5, method: 'cash', reference: 'c' });
      expect(() => set.apply({ ...payment, position: '99' })).toThrow(ProjectionError);
    });

    it('stops the projection on an unknown payer', () => {
      const event = charged().events[5]!;
      expect(applying(corrupt(event, { payer: 'shop' }))).toThrow(/payer must be one of customer, brand, platform/);
    });

    it('stops the projection on an order without a customer', () => {
      const event = charged().events[0]!;
      expect(applying(corrupt(event, { customer: undefined }))).toThrow(ProjectionError);
    });

    it('stops the projection on a schema version it does not know', () => {
      const event = charged().events[0]!;
      expect(applying({ ...event, schemaVersion: 2 })).toThrow(/schema version 2/);
    });
  });
});
