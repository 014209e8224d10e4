import request from 'supertest';
import { deriveEventId } from '../../src/event-store/append-core.js';
import { startTestApp, type TestApp, type TestStore } from '../support/app.js';
import { DATABASE_URL } from '../support/postgres.js';
import { client, orderBody, orderUpTo, registerVerifiedEngineer, seedWorld } from '../support/scenario.js';

const stores: TestStore[] = DATABASE_URL ? ['embedded', 'postgres'] : ['embedded'];

describe.each(stores)('the order routes over HTTP (%s store)', (store) => {
  let t: TestApp;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    t = await startTestApp(store);
    api = client(t);
    await seedWorld(t);
  });
  afterAll(async () => {
    await t.close();
  });

  describe('POST /orders', () => {
    it('creates an order, assigning a customer account id when none is given', async () => {
      const res = await api.post('/orders', 'agent', orderBody('o-create', { customer: { name: 'X', phone: '13900000000', city: 'shanghai', address: 'A' } })).expect(201);
      expect(res.body).toEqual({ id: 'o-create', revision: 0, position: expect.stringMatching(/^\d+$/) });
      const read = await api.get('/orders/o-create', 'agent').expect(200);
      expect(read.body.customer.customerId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      // Derived from the order id: a retried creation names the same customer.
      expect(read.body.customer.customerId).toBe(deriveEventId('o-create:customer', 0));
    });
    it('books a repeat visit only of an existing order of the same customer and appliance', async () => {
      await orderUpTo(t, 'o-orig', 'created');
      const repeat = (orderId: string, extra: Record<string, unknown> = {}) => api.post('/orders', 'agent', orderBody(orderId, { repeatOf: 'o-orig', ...extra }));
      const unknown = await api.refused(() => api.post('/orders', 'agent', orderBody('o-rep', { repeatOf: 'o-ghost' })), 422, 'REPEAT_OF_UNKNOWN_ORDER');
      expect(unknown.body.error.details[0].field).toBe('repeatOf');
      await api.refused(() => api.post('/orders', 'agent', orderBody('o-self', { repeatOf: 'o-self' })), 422, 'REPEAT_OF_UNKNOWN_ORDER');
      const otherCustomer = { customerId: 'cust-other', name: 'X', phone: '13900000000', city: 'shanghai', address: 'A' };
      await api.refused(() => repeat('o-rep', { customer: otherCustomer }), 422, 'REPEAT_OF_OTHER_CUSTOMER');
      await api.refused(() => repeat('o-rep', { product: { brand: 'midea', category: 'washer', model: 'MG100' } }), 422, 'REPEAT_OF_OTHER_APPLIANCE');
      await repeat('o-rep').expect(201);
      expect((await api.get('/orders/o-rep', 'agent').expect(200)).body.repeatOf).toBe('o-orig');
    });
    it('refuses a duplicate id (422 ORDER_ALREADY_EXISTS), a bad window and bad fields (400)', async () => {
      await api.refused(() => api.post('/orders', 'agent', orderBody('o-create')), 422, 'ORDER_ALREADY_EXISTS');
      await api.refused(
        () => api.post('/orders', 'agent', orderBody('o-bad', { appointment: { from: '2026-05-04T12:00:00.000Z', to: '2026-05-04T10:00:00.000Z' } })),
        400,
        'VALIDATION_FAILED',
      );
      const res = await api.refused(() => api.post('/orders', 'agent', orderBody('o-bad', { serviceType: 'polish', package: { code: 'P', priceFen: 1.5, fundedBy: 'brand' } })), 400, 'VALIDATION_FAILED');
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toEqual(expect.arrayContaining(['serviceType', 'package.priceFen']));
    });
  });

  it('refuses nested objects sent as arrays or left out, odd date forms, and NUL characters, with 400 and nothing recorded', async () => {
    const bodies = [
      orderBody('o-x1', { package: [] }),
      orderBody('o-x2', { product: [] }),
      { ...orderBody('o-x3'), customer: undefined },
      orderBody('o-x4', { appointment: { from: '2026-W18', to: '2026-05-04T12:00:00Z' } }),
      orderBody('o-x5', { appointment: { from: '2026-05-04T10:00', to: '2026-05-04T12:00:00Z' } }),
      orderBody('o-x6', { customer: { name: 'a\u0000b', phone: '13900000000', city: 'shanghai', address: 'A' } }),
      // Days that do not exist are refused, not moved to another day.
      orderBody('o-x7', { appointment: { from: '2026-02-30T10:00:00Z', to: '2026-03-04T12:00:00Z' } }),
    ];
    for (const body of bodies) await api.refused(() => api.post('/orders', 'agent', body), 400, 'VALIDATION_FAILED');
    // A nested object of the wrong kind is told so once.
    const notObject = await api.refused(() => api.post('/orders', 'agent', orderBody('o-x8', { customer: 'x' })), 400, 'VALIDATION_FAILED');
    expect(notObject.body.error.details).toEqual([{ field: 'customer', message: 'customer must be an object' }]);
    await api.refused(() => api.get('/orders/o-create/history?asOf=2026-123', 'compliance'), 400, 'VALIDATION_FAILED');
    const feb30 = await api.refused(() => api.get('/orders/o-create/history?asOf=2026-02-30T00:00:00Z', 'compliance'), 400, 'VALIDATION_FAILED');
    expect(feb30.body.error.details[0].field).toBe('asOf');
    const items = await api.refused(
      () => api.post('/rate-cards', 'supervisor', { brand: 'midea', category: 'washer', city: '*', effectiveFrom: '2026-06-01T00:00:00Z', items: [[]] }),
      400,
      'VALIDATION_FAILED',
    );
    expect(items.body.error.details[0].field).toMatch(/^items/);
  });

  describe('POST /orders/:id/quote and /quote/accept', () => {
    it('prices the quote from the rate card in force and returns its revision and lines', async () => {
      await orderUpTo(t, 'o-quote', 'created');
      const res = await api.post('/orders/o-quote/quote', 'agent', { lines: [{ code: 'CAP-35UF', quantity: 2 }] }).expect(201);
      expect(res.body).toMatchObject({ id: 'o-quote', quoteRevision: 1, customerTotalFen: 9000, totalFen: 9000 });
      expect(res.body.lines[0]).toMatchObject({ code: 'CAP-35UF', unitPriceFen: 4500, quantity: 2, amountFen: 9000, payer: 'customer', rateCard: { rateCardId: 'midea.air_conditioner.ALL', version: 1 } });
      await api.post('/orders/o-quote/quote/accept', 'customer', { quoteRevision: 1 }).expect(200);
    });
    it('refuses an item not on the card, a missing order, a stale or repeated acceptance', async () => {
      await api.refused(() => api.post('/orders/o-quote/quote', 'agent', { lines: [{ code: 'NOPE', quantity: 1 }] }), 422, 'RATE_CARD_ITEM_NOT_FOUND');
      await api.refused(() => api.post('/orders/missing/quote', 'agent', { lines: [{ code: 'CAP-35UF', quantity: 1 }] }), 404, 'NOT_FOUND');
      await api.refused(() => api.post('/orders/o-quote/quote/accept', 'customer', { quoteRevision: 1 }), 422, 'QUOTE_ALREADY_ACCEPTED');
      await api.refused(() => api.post('/orders/o-quote/quote/accept', 'customer', { quoteRevision: 7 }), 422, 'QUOTE_NOT_FOUND');
      await api.post('/orders/o-quote/quote', 'agent', { lines: [{ code: 'CAP-35UF', quantity: 3 }] }).expect(201);
      await api.refused(() => api.post('/orders/o-quote/quote/accept', 'customer', { quoteRevision: 1 }), 422, 'QUOTE_SUPERSEDED');
    });
    it('refuses quoting when no card is in force for the brand', async () => {
      await api.post('/orders', 'agent', orderBody('o-nocard', { product: { brand: 'gree', category: 'air_conditioner', model: 'X' } })).expect(201);
      await api.refused(() => api.post('/orders/o-nocard/quote', 'agent', { lines: [{ code: 'LAB-DIAG', quantity: 1 }] }), 422, 'RATE_CARD_NOT_FOUND');
    });
    it("refuses a customer accepting another customer's quote", async () => {
      await orderUpTo(t, 'o-other', 'quoted', { customer: { customerId: 'someone-else', name: 'Y', phone: '13900000001', city: 'shanghai', address: 'B' } });
      await api.refused(() => api.post('/orders/o-other/quote/accept', 'customer', { quoteRevision: 1 }), 403, 'FORBIDDEN');
    });
  });

  describe('POST /orders/:id/dispatch', () => {
    it('dispatches a verified engineer and records the credentials relied on', async () => {
      await orderUpTo(t, 'o-dispatch', 'accepted');
      await api.post('/orders/o-dispatch/dispatch', 'agent', { engineerId: 'demo-engineer' }).expect(200);
      const history = await api.get('/orders/o-dispatch/history', 'compliance').expect(200);
      const dispatched = history.body.events.find((e: { type: string }) => e.type === 'EngineerDispatched');
      expect(dispatched.data.credentials).toHaveLength(4);
      expect(dispatched.data.credentials[0].verifications.map((v: { certificateNo: string }) => v.certificateNo)).toEqual(['real_name-platform-1', 'real_name-brand-1']);
    });
    it('refuses an engineer verified by one party only, a suspended one, an unknown one and one of another category', async () => {
      await registerVerifiedEngineer(t, 'eng-half', ['platform']);
      await api.refused(() => api.post('/orders/o-dispatch/dispatch', 'agent', { engineerId: 'eng-half' }), 422, 'ENGINEER_NOT_VERIFIED');
      await registerVerifiedEngineer(t, 'eng-susp');
      await api.post('/engineers/eng-susp/suspend', 'supervisor', { reason: 'complaints under review' }).expect(200);
      await api.refused(() => api.post('/orders/o-dispatch/dispatch', 'agent', { engineerId: 'eng-susp' }), 422, 'ENGINEER_SUSPENDED');
      await api.refused(() => api.post('/orders/o-dispatch/dispatch', 'agent', { engineerId: 'nobody' }), 422, 'ENGINEER_NOT_FOUND');
      // Fully verified, but for washing machines: the order's category is what counts.
      await registerVerifiedEngineer(t, 'eng-washer', ['platform', 'brand'], 'washing_machine');
      await api.refused(() => api.post('/orders/o-dispatch/dispatch', 'agent', { engineerId: 'eng-washer' }), 422, 'ENGINEER_WRONG_CATEGORY');
    });
  });

  describe('on site: check-in, parts, charges, void, complete', () => {
    it('takes the engineer through the visit within the accepted quote', async () => {
      await orderUpTo(t, 'o-site', 'checked_in');
      await api.post('/orders/o-site/charges', 'engineer', { code: 'LAB-DIAG', quantity: 1 }, 'c1').expect(200);
      const part = await api.post('/orders/o-site/parts', 'engineer', { code: 'CAP-35UF', quantity: 1, serialNo: 'C-1' }, 'p1').expect(200);
      expect(part.body).toMatchObject({ id: 'o-site', revision: 6 });
      await api.post('/orders/o-site/charges/L2/void', 'agent', { reason: 'wrong capacitor' }).expect(200);
      await api.post('/orders/o-site/complete', 'engineer', { outcome: 'fixed' }).expect(200);
      const order = await api.get('/orders/o-site', 'engineer').expect(200);
      expect(order.body).toMatchObject({ status: 'completed', lines: [{ lineId: 'L1', amountFen: 5000 }, { lineId: 'L2', voided: { reason: 'wrong capacitor' } }] });
    });
    it('refuses charges beyond the accepted quote, wrong kinds, unknown items, and charges without a key', async () => {
      await orderUpTo(t, 'o-limit', 'checked_in');
      await api.post('/orders/o-limit/parts', 'engineer', { code: 'CAP-35UF', quantity: 2 }, 'k1').expect(200);
      await api.refused(() => api.post('/orders/o-limit/charges', 'engineer', { code: 'LAB-DIAG', quantity: 1 }, 'k2'), 422, 'CHARGE_EXCEEDS_ACCEPTED_QUOTE');
      await api.refused(() => api.post('/orders/o-limit/charges', 'engineer', { code: 'CAP-35UF', quantity: 1 }, 'k3'), 422, 'ITEM_KIND_MISMATCH');
      await api.refused(() => api.post('/orders/o-limit/parts', 'engineer', { code: 'NOPE', quantity: 1 }, 'k4'), 422, 'RATE_CARD_ITEM_NOT_FOUND');
      const noKey = await api.refused(() => api.post('/orders/o-limit/parts', 'engineer', { code: 'GAS-R32', quantity: 1 }), 400, 'VALIDATION_FAILED');
      expect(noKey.body.error.details[0].field).toBe('Idempotency-Key');
    });
    it('refuses charging before check-in, completing before check-in, and a second check-in', async () => {
      await orderUpTo(t, 'o-early', 'dispatched');
      await api.refused(() => api.post('/orders/o-early/parts', 'engineer', { code: 'CAP-35UF', quantity: 1 }, 'e1'), 422, 'ORDER_NOT_CHECKED_IN');
      await api.refused(() => api.post('/orders/o-early/complete', 'engineer', { outcome: 'fixed' }), 422, 'ORDER_NOT_CHECKED_IN');
      await api.post('/orders/o-early/check-in', 'engineer', {}).expect(200);
      await api.refused(() => api.post('/orders/o-early/check-in', 'engineer', {}), 422, 'ALREADY_CHECKED_IN');
      await api.refused(() => api.post('/orders/o-early/charges/L9/void', 'agent', { reason: 'x' }), 404, 'NOT_FOUND');
    });
    it('stops a suspended engineer working on an order already dispatched to them', async () => {
      await registerVerifiedEngineer(t, 'eng-later');
      await orderUpTo(t, 'o-susp', 'accepted');
      await api.post('/orders/o-susp/dispatch', 'agent', { engineerId: 'eng-later' }).expect(200);
      await api.post('/engineers/eng-later/suspend', 'supervisor', { reason: 'fraud report' }).expect(200);
      const res = await request(t.http).post('/orders/o-susp/check-in').set({ Authorization: 'Bearer demo-admin' }).send({});
      expect([res.status, res.body.error?.code]).toEqual([422, 'ENGINEER_SUSPENDED']);
    });

    it('bills warranty work to the brand: lines the quote marks payer brand, then those parts on site, no further', async () => {
      const product = { brand: 'midea', category: 'air_conditioner', model: 'KFR-35GW', warrantyUntil: '2030-01-01T08:00:00+08:00' };
      await api.post('/orders', 'agent', orderBody('o-warranty', { product })).expect(201);
      const quote = await api
        .post('/orders/o-warranty/quote', 'agent', { lines: [{ code: 'CAP-35UF', quantity: 1, payer: 'brand' }, { code: 'LAB-DIAG', quantity: 1 }] })
        .expect(201);
      expect(quote.body).toMatchObject({ customerTotalFen: 5000, totalFen: 9500, lines: [{ code: 'CAP-35UF', payer: 'brand', warrantyWork: true }, { code: 'LAB-DIAG', payer: 'customer' }] });
      await api.post('/orders/o-warranty/quote/accept', 'customer', { quoteRevision: 1 }).expect(200);
      await api.post('/orders/o-warranty/dispatch', 'agent', { engineerId: 'demo-engineer' }).expect(200);
      await api.post('/orders/o-warranty/check-in', 'engineer', {}).expect(200);
      const part = await api.post('/orders/o-warranty/parts', 'engineer', { code: 'CAP-35UF', quantity: 1, payer: 'brand' }, 'w1').expect(200);
      await api.refused(() => api.post('/orders/o-warranty/parts', 'engineer', { code: 'CAP-35UF', quantity: 1, payer: 'brand' }, 'w2'), 422, 'WARRANTY_LINE_NOT_QUOTED');
      await api.refused(() => api.post('/orders/o-warranty/charges', 'engineer', { code: 'LAB-DIAG', quantity: 1, payer: 'brand' }, 'w3'), 422, 'WARRANTY_LINE_NOT_QUOTED');
      const other = await api.refused(() => api.post('/orders/o-warranty/charges', 'engineer', { code: 'LAB-DIAG', quantity: 1, payer: 'platform' }, 'w4'), 400, 'VALIDATION_FAILED');
      expect(other.body.error.details[0].field).toBe('payer');
      await api.post('/orders/o-warranty/charges', 'engineer', { code: 'LAB-DIAG', quantity: 1 }, 'w5').expect(200);

      const trail = await api.get('/orders/o-warranty/charge-trail', 'compliance').expect(200);
      expect(trail.body.totals).toMatchObject({ chargesFen: { customer: 5000, brand: 4500, platform: 0 }, customerBalanceFen: 5000 });
      const used = trail.body.entries.find((e: { type: string }) => e.type === 'PartUsed');
      expect(used.data).toMatchObject({ payer: 'brand', amountFen: 4500, warranty: { quoteRevision: 1, warrantyUntil: '2030-01-01T00:00:00.000Z' } });
      expect(used.data.consent).toBeUndefined();
      const bill = await api.get(`/orders/o-warranty/bill?minPosition=${part.body.position}`, 'agent').expect(200);
      expect(bill.body).toMatchObject({ brandChargesFen: 4500 });
      // The evidence bundle's CSV keeps what the warranty line relied on: the quote and the warranty's end.
      const evidence = await api.get('/orders/o-warranty/evidence', 'compliance').expect(200);
      const csv = evidence.body.chargeTrailCsv.split('\r\n').find((r: string) => r.includes(',PartUsed,')).split(',');
      expect([csv[9], csv[15], csv.at(-1)]).toEqual(['1', 'brand', '2030-01-01T00:00:00.000Z']);
    });

    it('refuses warranty lines on an order without a warranty, or whose warranty has ended, and a malformed warranty end', async () => {
      await orderUpTo(t, 'o-nowarranty', 'created');
      await api.refused(() => api.post('/orders/o-nowarranty/quote', 'agent', { lines: [{ code: 'CAP-35UF', quantity: 1, payer: 'brand' }] }), 422, 'NOT_UNDER_WARRANTY');
      const ended = { brand: 'midea', category: 'air_conditioner', model: 'KFR-35GW', warrantyUntil: '2026-01-01T00:00:00Z' };
      await api.post('/orders', 'agent', orderBody('o-ended', { product: ended })).expect(201);
      const res = await api.refused(() => api.post('/orders/o-ended/quote', 'agent', { lines: [{ code: 'CAP-35UF', quantity: 1, payer: 'brand' }] }), 422, 'NOT_UNDER_WARRANTY');
      expect(res.body.error.details[0]).toMatchObject({ field: 'lines[0].payer' });
      const bad = await api.refused(() => api.post('/orders', 'agent', orderBody('o-badwarranty', { product: { ...ended, warrantyUntil: 'next year' } })), 400, 'VALIDATION_FAILED');
      expect(bad.body.error.details[0].field).toBe('product.warrantyUntil');
    });

    it('refuses an engineer acting on an order not dispatched to them', async () => {
      await orderUpTo(t, 'o-notmine', 'accepted');
      await api.refused(() => api.post('/orders/o-notmine/check-in', 'engineer', {}), 403, 'FORBIDDEN');
    });
  });

  describe('money after the visit: payments, refunds, rating, cancellation', () => {
    beforeAll(async () => {
      await orderUpTo(t, 'o-pay', 'checked_in');
      await api.post('/orders/o-pay/charges', 'engineer', { code: 'LAB-DIAG', quantity: 1 }, 'pc1').expect(200);
      await api.post('/orders/o-pay/complete', 'engineer', { outcome: 'fixed' }).expect(200);
    });
    it('records a payment, a refund and one rating', async () => {
      await api.post('/orders/o-pay/payments', 'agent', { amountFen: 5000, method: 'wechat', reference: 'WX-1' }, 'pay1').expect(200);
      await api.post('/orders/o-pay/refunds', 'agent', { amountFen: 1000, reason: 'goodwill' }, 'ref1').expect(200);
      await api.post('/orders/o-pay/rating', 'customer', { stars: 5 }).expect(200);
      const trail = await api.get('/orders/o-pay/charge-trail', 'compliance').expect(200);
      expect(trail.body.totals).toMatchObject({ chargesFen: { customer: 5000 }, paidFen: 5000, refundedFen: 1000, customerBalanceFen: 1000 });
    });
    it('refuses overpayment, refunds beyond payments, a second rating and charges on a completed order', async () => {
      await api.refused(() => api.post('/orders/o-pay/payments', 'agent', { amountFen: 9000, method: 'wechat', reference: 'WX-2' }, 'pay2'), 422, 'PAYMENT_EXCEEDS_AMOUNT_DUE');
      // Completed with 5,000 fen of charges (4,000 net paid): 1,000 more is due, not the 9,500 the quote allowed.
      await api.refused(() => api.post('/orders/o-pay/payments', 'agent', { amountFen: 1001, method: 'wechat', reference: 'WX-3' }, 'pay3'), 422, 'PAYMENT_EXCEEDS_AMOUNT_DUE');
      await api.refused(() => api.post('/orders/o-pay/refunds', 'agent', { amountFen: 4001, reason: 'too much' }, 'ref2'), 422, 'REFUND_EXCEEDS_PAYMENTS');
      await api.refused(() => api.post('/orders/o-pay/rating', 'customer', { stars: 1 }), 422, 'ALREADY_RATED');
      await api.refused(() => api.post('/orders/o-pay/parts', 'engineer', { code: 'CAP-35UF', quantity: 1 }, 'late1'), 422, 'ORDER_NOT_OPEN');
      await api.refused(() => api.post('/orders/o-pay/cancel', 'agent', { reason: 'x' }), 422, 'ORDER_NOT_OPEN');
      await api.refused(() => api.post('/orders/o-pay/payments', 'agent', { amountFen: 100, method: 'wechat', reference: 'x' }), 400, 'VALIDATION_FAILED');
    });
    it('refuses rating before completion and anything but refunds after cancellation', async () => {
      await orderUpTo(t, 'o-cancel', 'accepted');
      await api.refused(() => api.post('/orders/o-cancel/rating', 'customer', { stars: 4 }), 422, 'ORDER_NOT_COMPLETED');
      await api.post('/orders/o-cancel/cancel', 'agent', { reason: 'customer changed plans' }).expect(200);
      await api.refused(() => api.post('/orders/o-cancel/rating', 'customer', { stars: 4 }), 422, 'ORDER_NOT_OPEN');
      await api.refused(() => api.post('/orders/o-cancel/payments', 'agent', { amountFen: 100, method: 'cash', reference: 'r' }, 'cp1'), 422, 'ORDER_NOT_OPEN');
      await api.refused(() => api.post('/orders/o-cancel/dispatch', 'agent', { engineerId: 'demo-engineer' }), 422, 'ORDER_NOT_OPEN');
    });
    it('keeps a package order to its one price (一价全包)', async () => {
      await orderUpTo(t, 'o-pkg', 'checked_in', { package: { code: 'AC-ALL-IN', priceFen: 19900, fundedBy: 'brand' } });
      await api.post('/orders/o-pkg/parts', 'engineer', { code: 'GAS-R32', quantity: 5 }, 'g1').expect(200);
      await api.post('/orders/o-pkg/payments', 'agent', { amountFen: 19900, method: 'app', reference: 'APP-1' }, 'pk1').expect(200);
      await api.refused(() => api.post('/orders/o-pkg/payments', 'agent', { amountFen: 1, method: 'cash', reference: 'on-site' }, 'pk2'), 422, 'PACKAGE_NO_EXTRA_CUSTOMER_CHARGE');
      const order = await api.get('/orders/o-pkg', 'agent').expect(200);
      expect(order.body.lines[0]).toMatchObject({ payer: 'brand', amountFen: 15000 });
    });
  });

  describe('reads', () => {
    it('replays the history as of a past instant with the state as it was then', async () => {
      await t.clock.set('2026-05-04T09:30:00.000Z');
      await api.post('/orders', 'agent', orderBody('o-asof')).expect(201);
      t.clock.set('2026-05-04T09:40:00.000Z');
      await api.post('/orders/o-asof/quote', 'agent', { lines: [{ code: 'LAB-DIAG', quantity: 1 }] }).expect(201);
      t.clock.set('2026-05-04T09:50:00.000Z');
      await api.post('/orders/o-asof/cancel', 'agent', { reason: 'duplicate' }).expect(200);
      const then = await api.get('/orders/o-asof/history?asOf=2026-05-04T09:45:00.000Z', 'compliance').expect(200);
      expect(then.body.events.map((e: { type: string }) => e.type)).toEqual(['OrderCreated', 'QuoteIssued']);
      expect(then.body.events[1]).toMatchObject({ metadata: { actor: { id: 'demo-agent', role: 'agent' } }, recordedAt: '2026-05-04T09:40:00.000Z' });
      expect(then.body.state.status).toBe('created');
      const now = await api.get('/orders/o-asof/history', 'compliance').expect(200);
      expect(now.body.state.status).toBe('cancelled');
      t.clock.set('2026-05-04T09:00:00.000Z');
    });
    it('lets customers read only their own orders and hides history from them', async () => {
      await api.get('/orders/o-other', 'customer').expect(403);
      await api.get('/orders/o-asof', 'customer').expect(200);
      await api.get('/orders/o-asof/history', 'customer').expect(403);
      await api.get('/orders/nope', 'agent').expect(404);
      await api.get('/orders/o-asof/history?asOf=yesterday', 'compliance').expect(400);
    });
  });
});
