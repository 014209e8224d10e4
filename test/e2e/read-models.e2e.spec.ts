import { addMs, HOUR_MS } from '../../src/shared/time.js';
import { startTestApp, type TestApp, type TestStore } from '../support/app.js';
import { DATABASE_URL } from '../support/postgres.js';
import { client, orderBody, orderUpTo, seedWorld } from '../support/scenario.js';

const stores: TestStore[] = DATABASE_URL ? ['embedded', 'postgres'] : ['embedded'];

describe.each(stores)('the read models over HTTP (%s store)', (store) => {
  let t: TestApp;
  let api: ReturnType<typeof client>;
  /** Position of the last command of the example order. */
  let last: string;

  beforeAll(async () => {
    t = await startTestApp(store, { READ_MODEL_WAIT_MS: '300' });
    api = client(t);
    await seedWorld(t);
    // The README's example order: quote, consent, on-site work, payment, rating, complaint, compensation.
    await orderUpTo(t, 'o-bill', 'checked_in');
    await api.post('/orders/o-bill/charges', 'engineer', { code: 'LAB-DIAG', quantity: 1 }, 'b1').expect(200);
    await api.post('/orders/o-bill/parts', 'engineer', { code: 'CAP-35UF', quantity: 1, serialNo: 'C-1' }, 'b2').expect(200);
    await api.post('/orders/o-bill/charges/L2/void', 'agent', { reason: 'wrong capacitor' }).expect(200);
    await api.post('/orders/o-bill/parts', 'engineer', { code: 'CAP-35UF', quantity: 1, serialNo: 'C-2' }, 'b3').expect(200);
    await api.post('/orders/o-bill/complete', 'engineer', { outcome: 'fixed' }).expect(200);
    await api.post('/orders/o-bill/payments', 'agent', { amountFen: 9500, method: 'wechat', reference: 'wx-1' }, 'b4').expect(200);
    await api.post('/orders/o-bill/rating', 'customer', { stars: 5 }).expect(200);
    await api.post('/complaints', 'agent', { complaintId: 'c-bill', orderId: 'o-bill', category: 'late', description: 'arrived late', claimedFen: 2000 }).expect(201);
    const paid = await api.post('/complaints/c-bill/compensate', 'agent', { amountFen: 1500, reason: 'late arrival' }, 'b5').expect(200);
    last = paid.body.position;
  });
  afterAll(async () => {
    await t.close();
  });

  it('shows the electronic bill a customer would recognise once the projection reached the position', async () => {
    const res = await api.get(`/orders/o-bill/bill?minPosition=${last}`, 'customer').expect(200);
    expect(BigInt(res.body.position)).toBeGreaterThanOrEqual(BigInt(last));
    expect(res.body).toMatchObject({
      orderId: 'o-bill',
      customerName: '李女士',
      customerPhone: '13900139000',
      brand: 'midea',
      status: 'completed',
      customerChargesFen: 9500,
      voidedFen: 4500,
      lineCount: 3,
      voidedLineCount: 1,
      paidFen: 9500,
      refundedFen: 0,
      compensatedFen: 1500,
      balanceDueFen: 0,
      ratingStars: 5,
      breaches: '',
    });
    expect(res.body.lines.map((l: Record<string, unknown>) => [l.lineId, l.code, l.unitPriceFen, l.quantity, l.amountFen, l.payer, l.voided])).toEqual([
      ['L1', 'LAB-DIAG', 5000, 1, 5000, 'customer', false],
      ['L2', 'CAP-35UF', 4500, 1, 4500, 'customer', true],
      ['L3', 'CAP-35UF', 4500, 1, 4500, 'customer', false],
    ]);
    expect(res.body.lines[1].voidReason).toBe('wrong capacitor');
    expect(res.body.lines[0].rateCardId).toBe('midea.air_conditioner.ALL');
  });

  it("masks the customer's name, phone and address for analysts, and shows them to agents and compliance", async () => {
    const analyst = await api.get(`/orders/o-bill/bill?minPosition=${last}`, 'analyst').expect(200);
    expect([analyst.body.customerName, analyst.body.customerPhone, analyst.body.customerAddress]).toEqual(['李**', '139****9000', '***']);
    const listed = await api.get(`/bills?minPosition=${last}`, 'analyst').expect(200);
    expect(listed.body.items.find((b: Record<string, unknown>) => b.orderId === 'o-bill').customerPhone).toBe('139****9000');
    for (const role of ['agent', 'compliance']) {
      const res = await api.get(`/orders/o-bill/bill`, role).expect(200);
      expect(res.body.customerPhone).toBe('13900139000');
    }
  });

  it("refuses a customer another customer's bill, and answers 404 for an order without a bill", async () => {
    await api.post('/orders', 'agent', orderBody('o-other', { customer: { customerId: 'cust-9', name: '赵先生', phone: '13700000000', city: 'shanghai', address: 'B' } })).expect(201);
    const made = await api.post('/orders', 'agent', orderBody('o-mine')).expect(201);
    await api.get(`/orders/o-mine/bill?minPosition=${made.body.position}`, 'customer').expect(200);
    const res = await api.get('/orders/o-other/bill', 'customer').expect(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
    expect((await api.get('/orders/nope/bill', 'agent').expect(404)).body.error.code).toBe('NOT_FOUND');
  });

  it('lists bills newest first with filters and a cursor that walks every page once', async () => {
    let position = last;
    for (const id of ['o-p1', 'o-p2', 'o-p3']) {
      t.clock.advance(60_000);
      position = (await api.post('/orders', 'agent', orderBody(id, { product: { brand: 'gree', category: 'air_conditioner', model: 'G1' } })).expect(201)).body.position;
    }
    const first = await api.get(`/bills?brand=gree&limit=2&minPosition=${position}`, 'agent').expect(200);
    expect(first.body.items.map((b: Record<string, unknown>) => b.orderId)).toEqual(['o-p3', 'o-p2']);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await api.get(`/bills?brand=gree&limit=2&cursor=${first.body.nextCursor}`, 'agent').expect(200);
    expect(second.body.items.map((b: Record<string, unknown>) => b.orderId)).toEqual(['o-p1']);
    expect(second.body.nextCursor).toBeNull();
    const windowed = await api.get(`/bills?brand=gree&from=${addMs(t.clock.now(), -90_000)}&to=${t.clock.now()}`, 'agent').expect(200);
    expect(windowed.body.items.map((b: Record<string, unknown>) => b.orderId)).toEqual(['o-p2']);
    expect((await api.get('/bills?city=nowhere', 'agent').expect(200)).body.items).toEqual([]);
  });

  it('serves the complaint queue with SLA deadlines, judging overdue as of now', async () => {
    const one = await api.get(`/complaints/c-bill?minPosition=${last}`, 'agent').expect(200);
    expect(one.body).toMatchObject({
      complaintId: 'c-bill',
      orderId: 'o-bill',
      category: 'late',
      status: 'open',
      owner: 'demo-agent',
      brand: 'midea',
      engineerId: 'demo-engineer',
      claimedFen: 2000,
      compensatedFen: 1500,
      ackSla: 'pending',
      ackDueAt: addMs(one.body.filedAt, 2 * HOUR_MS),
      resolveDueAt: addMs(one.body.filedAt, 24 * HOUR_MS),
      overdue: false,
    });
    expect((await api.get('/complaints?overdue=true', 'agent').expect(200)).body.items).toEqual([]);
    t.clock.advance(3 * HOUR_MS);
    const overdue = await api.get('/complaints?overdue=true&category=late', 'supervisor').expect(200);
    expect(overdue.body.items.map((c: Record<string, unknown>) => [c.complaintId, c.overdue])).toEqual([['c-bill', true]]);
    const acked = await api.post('/complaints/c-bill/acknowledge', 'agent', {}).expect(200);
    const after = await api.get(`/complaints/c-bill?minPosition=${acked.body.position}`, 'analyst').expect(200);
    expect(after.body).toMatchObject({ status: 'acknowledged', ackSla: 'breached' });
    const stats = await api.get(`/complaint-stats?by=category&minPosition=${acked.body.position}`, 'analyst').expect(200);
    expect(stats.body.items).toEqual([{ category: 'late', complaints: 1, openComplaints: 1, upheld: 0, compensatedFen: 1500, ackBreached: 1, resolveBreached: 0 }]);
    expect((await api.get('/complaints?status=resolved', 'agent').expect(200)).body.items).toEqual([]);
  });

  it("gives an engineer's score with its inputs, window and policy version", async () => {
    const res = await api.get(`/engineers/demo-engineer/score?minPosition=${last}`, 'engineer').expect(200);
    expect(res.body).toMatchObject({ engineerId: 'demo-engineer', policyVersion: 1, jobs: 1, firstTimeFixJobs: 1, ratedJobs: 1, satisfiedJobs: 1, tier: 'provisional' });
    expect(typeof res.body.score).toBe('number');
    expect(res.body.windowTo >= res.body.windowFrom).toBe(true);
    const listed = await api.get('/engineer-scores?tier=provisional', 'analyst').expect(200);
    expect(listed.body.items.map((s: Record<string, unknown>) => s.engineerId)).toContain('demo-engineer');
    expect((await api.get('/engineer-scores?tier=A', 'analyst').expect(200)).body.items).toEqual([]);
    expect((await api.get('/engineers/someone-else/score', 'agent').expect(404)).body.error.code).toBe('NOT_FOUND');
  });

  it('answers 503 PROJECTION_LAGGING when the read model does not reach minPosition in time', async () => {
    const head = await api.head();
    const res = await api.get(`/bills?minPosition=${head + 1_000_000n}`, 'agent').expect(503);
    expect(res.body.error.code).toBe('PROJECTION_LAGGING');
    expect(res.body.error.message).toMatch(/bills/);
  });

  it('refuses bad query parameters with 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['/bills?limit=0', 'limit'],
      ['/bills?limit=abc', 'limit'],
      ['/bills?cursor=not-a-cursor', 'cursor'],
      ['/bills?from=yesterday', 'from'],
      ['/bills?minPosition=-1', 'minPosition'],
      ['/complaints?overdue=maybe', 'overdue'],
      ['/complaints?status=lost', 'status'],
      ['/engineer-scores?tier=Z', 'tier'],
      ['/complaint-stats?by=colour', 'by'],
      ['/bills?unknown=1', 'unknown'],
      // Codes are lower case, as orders record them: `Midea` would silently match nothing.
      ['/bills?brand=Midea', 'brand'],
      ['/complaints?city=Beijing', 'city'],
      ['/engineer-scores?city=Shanghai', 'city'],
    ];
    for (const [path, field] of cases) {
      const res = await api.get(path, 'agent');
      expect([path, res.status, res.body.error.code]).toEqual([path, 400, 'VALIDATION_FAILED']);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
  });
});
