import { startTestApp, type TestApp, type TestStore } from '../support/app.js';
import { DATABASE_URL } from '../support/postgres.js';
import { client, seedWorld } from '../support/scenario.js';
import { evidenceOrder } from './evidence-order.js';

const stores: TestStore[] = DATABASE_URL ? ['embedded', 'postgres'] : ['embedded'];

describe.each(stores)('the evidence bundle over HTTP (%s store)', (store) => {
  let t: TestApp;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    t = await startTestApp(store);
    api = client(t);
    await seedWorld(t);
    await evidenceOrder(t, 'o-ev', 'c-ev');
  });
  afterAll(async () => {
    await t.close();
  });

  it("holds every event of the order and its complaint with envelopes and hashes, and the bundle verifies", async () => {
    const res = await api.get('/orders/o-ev/evidence', 'compliance').expect(200);
    const b = res.body;
    expect(b).toMatchObject({ format: 'service-ledger-evidence/1', orderId: 'o-ev', generatedAt: t.clock.now() });
    expect(b.streams.map((s: { stream: string }) => s.stream)).toEqual(['order-o-ev', 'complaint-c-ev']);
    const [order, complaint] = b.streams;
    expect(order.events.map((e: { type: string }) => e.type)).toEqual([
      'OrderCreated', 'QuoteIssued', 'QuoteAccepted', 'EngineerDispatched', 'EngineerCheckedIn', 'ChargeAdded', 'PartUsed',
      'LineVoided', 'PartUsed', 'OrderCompleted', 'PaymentRecorded', 'OrderRated', 'ComplaintLinked',
    ]);
    expect(complaint.events.map((e: { type: string }) => e.type)).toEqual(['ComplaintFiled', 'ComplaintAcknowledged', 'CompensationPaid']);
    expect(order.events[0]).toMatchObject({ revision: 0, prevHash: '0'.repeat(64), hash: expect.stringMatching(/^[0-9a-f]{64}$/), position: expect.stringMatching(/^\d+$/) });
    expect(order.events[1].prevHash).toBe(order.events[0].hash);
    expect(b.storePosition).toBe(complaint.events[2].position);

    const history = await api.get('/orders/o-ev/history', 'compliance').expect(200);
    expect(order.events).toEqual(history.body.events);

    expect(b.verification.ok).toBe(true);
    expect(b.verification.streams.map((s: { stream: string; ok: boolean }) => [s.stream, s.ok])).toEqual([
      ['order-o-ev', true],
      ['complaint-c-ev', true],
      ['ratecard-midea.air_conditioner.ALL', true],
      ['engineer-demo-engineer', true],
    ]);
    expect(b.verification.streams[0].headHash).toBe(order.events.at(-1).hash);
    expect(b.verification.prices).toEqual({ ok: true, checked: 5, problems: [] });
    expect(b.verification.credentials).toEqual({ ok: true, checked: 1, problems: [] });
  });

  it('holds the rate-card versions the lines relied on and the credentials relied on at dispatch', async () => {
    const b = (await api.get('/orders/o-ev/evidence', 'agent').expect(200)).body;
    expect(b.rateCards).toHaveLength(1);
    expect(b.rateCards[0]).toMatchObject({ rateCardId: 'midea.air_conditioner.ALL', stream: 'ratecard-midea.air_conditioner.ALL', reliedOn: [{ version: 1, itemCodes: ['CAP-35UF', 'LAB-DIAG'] }] });
    expect(b.rateCards[0].events.map((e: { type: string; data: { version: number } }) => [e.type, e.data.version])).toEqual([['RateCardPublished', 1]]);
    const [dispatch] = b.engineerCredentials.dispatches;
    expect(dispatch).toMatchObject({ engineerId: 'demo-engineer', stream: 'order-o-ev', revision: 3, policy: 'enforce', missing: [], engineerStream: 'engineer-demo-engineer' });
    expect(dispatch.credentials.map((c: { kind: string; verifications: unknown[] }) => [c.kind, c.verifications.length])).toEqual([
      ['real_name', 2], ['safety', 2], ['health', 2], ['skill', 2],
    ]);
    const engineer = b.engineerCredentials.engineers[0];
    expect(engineer.events.map((e: { type: string }) => e.type)).toEqual(['EngineerRegistered', ...Array(8).fill('CredentialVerified')]);
    expect(engineer.events.every((e: { position: string }) => BigInt(e.position) < BigInt(dispatch.position))).toBe(true);
  });

  it('holds the bill derived from the events and the charge trail, also as CSV', async () => {
    const b = (await api.get('/orders/o-ev/evidence', 'supervisor').expect(200)).body;
    expect(b.bill).toMatchObject({
      derivedFrom: 'events',
      position: b.storePosition,
      orderId: 'o-ev',
      customerChargesFen: 9500,
      voidedFen: 4500,
      paidFen: 9500,
      compensatedFen: 1500,
      balanceDueFen: 0,
      status: 'completed',
    });
    expect(b.bill.lines.map((l: { lineId: string; voided: boolean }) => [l.lineId, l.voided])).toEqual([['L1', false], ['L2', true], ['L3', false]]);
    const trail = await api.get('/orders/o-ev/charge-trail', 'compliance').expect(200);
    expect(b.chargeTrail).toEqual(trail.body);

    const rows = b.chargeTrailCsv.split('\r\n');
    expect(rows[0]).toBe(
      'position,recordedAt,stream,revision,eventId,type,actorId,actorRole,reason,quoteRevision,lineId,code,quantity,unitPriceFen,amountFen,payer,rateCardId,rateCardVersion,customerTotalFen,customerChargesFen,brandChargesFen,platformChargesFen,paidFen,refundedFen,compensatedFen,customerBalanceFen,consentCeilingFen,warrantyUntil',
    );
    expect(rows.at(-1)).toBe('');
    expect(rows).toHaveLength(b.chargeTrail.entries.length + 2);
    const voided = rows.find((r: string) => r.includes(',LineVoided,'));
    expect(voided).toContain(',"wrong part, the ""35μF"" one",');
    const compensation = rows.at(-2).split(',');
    expect(compensation.slice(5, 8)).toEqual(['CompensationPaid', 'demo-agent', 'agent']);
    expect(compensation.slice(-10)).toEqual(['', '9500', '0', '0', '9500', '0', '1500', '0', '9500', '']);
  });

  it('is refused to engineers, customers and analysts, and answers 404 for an unknown order, recording nothing', async () => {
    for (const role of ['engineer', 'customer', 'analyst']) await api.refused(() => api.get('/orders/o-ev/evidence', role), 403, 'FORBIDDEN');
    await api.refused(() => api.get('/orders/nope/evidence', 'compliance'), 404, 'NOT_FOUND');
    const bad = await api.refused(() => api.get('/orders/o-ev/evidence', 'compliance').set('X-Access-Reason', '100% sure'), 400, 'VALIDATION_FAILED');
    expect(bad.body.error.details[0].field).toBe('X-Access-Reason');
    await api.refused(() => api.get('/orders/o-ev/evidence', 'compliance').set('X-Access-Reason', 'x'.repeat(501)), 400, 'VALIDATION_FAILED');
    await api.refused(() => api.get('/orders/o%20ev/evidence', 'compliance'), 400, 'VALIDATION_FAILED');
  });
});
