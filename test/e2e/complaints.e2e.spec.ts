import { startTestApp, type TestApp, type TestStore } from '../support/app.js';
import { DATABASE_URL } from '../support/postgres.js';
import { client, orderUpTo, seedWorld } from '../support/scenario.js';

const stores: TestStore[] = DATABASE_URL ? ['embedded', 'postgres'] : ['embedded'];

describe.each(stores)('complaints over HTTP (%s store)', (store) => {
  let t: TestApp;
  let api: ReturnType<typeof client>;

  beforeAll(async () => {
    t = await startTestApp(store, { COMPENSATION_SUPERVISOR_THRESHOLD_FEN: '100000' });
    api = client(t);
    await seedWorld(t);
    await orderUpTo(t, 'o-c', 'checked_in');
  });
  afterAll(async () => {
    await t.close();
  });

  it('files a complaint owned by the filing agent and links it on the order', async () => {
    const res = await api.post('/complaints', 'agent', { complaintId: 'c-1', orderId: 'o-c', category: 'overcharge', description: 'visit fee twice', claimedFen: 5000 }).expect(201);
    expect(res.body).toMatchObject({ id: 'c-1', revision: 0 });
    const history = await api.get('/orders/o-c/history', 'compliance').expect(200);
    expect(history.body.events.at(-1)).toMatchObject({ type: 'ComplaintLinked', data: { complaintId: 'c-1' } });
  });

  it('refuses a duplicate complaint id, an unknown order and a customer complaining about another customer\'s order', async () => {
    await api.refused(() => api.post('/complaints', 'agent', { complaintId: 'c-1', orderId: 'o-c', category: 'late', description: 'x' }), 422, 'COMPLAINT_ALREADY_FILED');
    await api.refused(() => api.post('/complaints', 'agent', { complaintId: 'c-x', orderId: 'missing', category: 'late', description: 'x' }), 404, 'NOT_FOUND');
    await orderUpTo(t, 'o-foreign', 'created', { customer: { customerId: 'other', name: 'Z', phone: '13900000002', city: 'shanghai', address: 'C' } });
    await api.refused(() => api.post('/complaints', 'customer', { complaintId: 'c-y', orderId: 'o-foreign', category: 'late', description: 'x' }), 403, 'FORBIDDEN');
    await api.refused(() => api.post('/complaints', 'agent', { complaintId: 'c-z', orderId: 'o-c', category: 'rude', description: 'x' }), 400, 'VALIDATION_FAILED');
  });

  it('keeps one owner: only the owner or a supervisor acts, and a transfer moves ownership', async () => {
    await api.post('/complaints/c-1/acknowledge', 'agent', {}).expect(200);
    await api.refused(() => api.post('/complaints/c-1/acknowledge', 'agent', {}), 422, 'COMPLAINT_ALREADY_ACKNOWLEDGED');
    await api.post('/complaints/c-1/transfer', 'agent', { toActorId: 'demo-supervisor', reason: 'needs approval' }).expect(200);
    await api.refused(() => api.post('/complaints/c-1/escalate', 'agent', { reason: 'x' }), 422, 'NOT_COMPLAINT_OWNER');
    await api.post('/complaints/c-1/escalate', 'supervisor', { reason: 'large claim' }).expect(200);
    await api.refused(() => api.post('/complaints/c-1/escalate', 'supervisor', { reason: 'again' }), 422, 'COMPLAINT_ALREADY_ESCALATED');
    await api.refused(() => api.post('/complaints/c-1/transfer', 'supervisor', { toActorId: 'demo-supervisor', reason: 'x' }), 422, 'TRANSFER_TO_CURRENT_OWNER');
  });

  it('pays advance compensation below the threshold by an agent, and at it only by a supervisor', async () => {
    await api.post('/complaints', 'agent', { complaintId: 'c-2', orderId: 'o-c', category: 'damage', description: 'scratched wall' }).expect(201);
    await api.post('/complaints/c-2/compensate', 'agent', { amountFen: 99_999, reason: 'repaint' }, 'cmp-a').expect(200);
    await api.refused(() => api.post('/complaints/c-2/compensate', 'agent', { amountFen: 1, reason: 'one more fen' }, 'cmp-b'), 422, 'COMPENSATION_NEEDS_SUPERVISOR');
    await api.post('/complaints/c-2/compensate', 'supervisor', { amountFen: 50_000, reason: 'approved' }, 'cmp-c').expect(200);
    await api.refused(() => api.post('/complaints/c-2/compensate', 'agent', { amountFen: 100, reason: 'no key' }), 400, 'VALIDATION_FAILED');
    const trail = await api.get('/orders/o-c/charge-trail', 'compliance').expect(200);
    expect(trail.body.totals.compensatedFen).toBe(149_999);
    // The threshold counts the whole order: a new complaint does not open a fresh allowance.
    await api.post('/complaints', 'agent', { complaintId: 'c-4', orderId: 'o-c', category: 'other', description: 'again' }).expect(201);
    await api.refused(() => api.post('/complaints/c-4/compensate', 'agent', { amountFen: 1, reason: 'split' }, 'cmp-e'), 422, 'COMPENSATION_NEEDS_SUPERVISOR');
  });

  it('resolves, refuses work on a closed complaint, and reopens', async () => {
    await api.post('/complaints/c-2/resolve', 'agent', { outcome: 'upheld', liableParty: 'engineer', notes: 'photos' }).expect(200);
    await api.refused(() => api.post('/complaints/c-2/resolve', 'agent', { outcome: 'upheld', liableParty: 'engineer' }), 422, 'COMPLAINT_CLOSED');
    await api.refused(() => api.post('/complaints/c-2/compensate', 'supervisor', { amountFen: 100, reason: 'late' }, 'cmp-d'), 422, 'COMPLAINT_CLOSED');
    await api.post('/complaints/c-2/reopen', 'agent', { reason: 'customer disputes' }).expect(200);
    await api.refused(() => api.post('/complaints/c-2/reopen', 'agent', { reason: 'again' }), 422, 'COMPLAINT_NOT_RESOLVED');
    await api.refused(() => api.post('/complaints/nope/acknowledge', 'agent', {}), 404, 'NOT_FOUND');
  });

  it('lets a customer file about their own order; the first agent to acknowledge owns it', async () => {
    await api.post('/complaints', 'customer', { complaintId: 'c-3', orderId: 'o-c', category: 'late', description: 'two hours late' }).expect(201);
    await api.post('/complaints/c-3/acknowledge', 'agent', {}).expect(200);
    await api.post('/complaints/c-3/resolve', 'agent', { outcome: 'partially_upheld', liableParty: 'engineer' }).expect(200);
  });
});

describe('rate cards and engineers over HTTP', () => {
  let t: TestApp;
  let api: ReturnType<typeof client>;
  beforeAll(async () => {
    t = await startTestApp('embedded');
    api = client(t);
    await seedWorld(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves the card in force, city card first, and versions by effectiveFrom', async () => {
    const items = [{ code: 'LAB-DIAG', name: '检测', kind: 'labor', unit: 'visit', unitPriceFen: 6000 }];
    const v2 = await api.post('/rate-cards', 'supervisor', { brand: 'midea', category: 'air_conditioner', city: '*', effectiveFrom: '2026-06-01T00:00:00.000Z', items }).expect(201);
    expect(v2.body).toMatchObject({ id: 'midea.air_conditioner.ALL', version: 2 });
    const may = await api.get('/rate-cards?brand=midea&category=air_conditioner&city=beijing&at=2026-05-10T00:00:00Z', 'customer').expect(200);
    expect(may.body).toMatchObject({ version: 1, city: '*' });
    const june = await api.get('/rate-cards?brand=midea&category=air_conditioner&city=beijing&at=2026-06-10T00:00:00Z', 'customer').expect(200);
    expect(june.body).toMatchObject({ version: 2, items: [{ unitPriceFen: 6000 }] });
    await api.post('/rate-cards', 'supervisor', { brand: 'midea', category: 'air_conditioner', city: 'beijing', effectiveFrom: '2026-05-05T00:00:00.000Z', items }).expect(201);
    const city = await api.get('/rate-cards?brand=midea&category=air_conditioner&city=beijing&at=2026-05-10T00:00:00Z', 'engineer').expect(200);
    expect(city.body).toMatchObject({ rateCardId: 'midea.air_conditioner.beijing', version: 1 });
  });

  it('refuses retroactive and out-of-order versions, a mismatched id, a missing card and non-supervisors', async () => {
    const items = [{ code: 'X', name: 'x', kind: 'fee', unit: 'u', unitPriceFen: 1 }];
    const card = { brand: 'midea', category: 'air_conditioner', city: '*', items };
    expect((await api.post('/rate-cards', 'supervisor', { ...card, effectiveFrom: '2026-05-01T00:00:00.000Z' }).expect(422)).body.error.code).toBe('RATE_CARD_RETROACTIVE');
    expect((await api.post('/rate-cards', 'supervisor', { ...card, effectiveFrom: '2026-05-20T00:00:00.000Z' }).expect(422)).body.error.code).toBe('RATE_CARD_VERSION_ORDER');
    expect((await api.post('/rate-cards', 'supervisor', { ...card, rateCardId: 'mine', effectiveFrom: '2026-07-01T00:00:00.000Z' }).expect(400)).body.error.details[0].field).toBe('rateCardId');
    await api.post('/rate-cards', 'agent', { ...card, effectiveFrom: '2026-07-01T00:00:00.000Z' }).expect(403);
    await api.get('/rate-cards?brand=haier&category=washing_machine&city=shanghai', 'customer').expect(404);
    await api.get('/rate-cards?brand=Haier!&category=washing_machine&city=shanghai', 'customer').expect(400);
  });

  it('records credential checks, revocation, suspension and reinstatement, and reports dispatchability', async () => {
    const before = await api.get('/engineers/demo-engineer', 'agent').expect(200);
    expect(before.body).toMatchObject({ dispatchable: true, reasons: [] });
    await api.post('/engineers/demo-engineer/credentials/safety/revoke', 'agent', { reason: 'certificate withdrawn' }).expect(200);
    const revoked = await api.get('/engineers/demo-engineer', 'agent').expect(200);
    expect(revoked.body).toMatchObject({ dispatchable: false, missing: ['safety'] });
    expect(revoked.body.reasons[0]).toMatch(/revoked: certificate withdrawn/);
    expect((await api.post('/engineers/demo-engineer/credentials/safety/revoke', 'agent', { reason: 'again' }).expect(422)).body.error.code).toBe('CREDENTIAL_NOT_FOUND');
    await api.post('/engineers/demo-engineer/suspend', 'supervisor', { reason: 'investigation' }).expect(200);
    expect((await api.post('/engineers/demo-engineer/suspend', 'supervisor', { reason: 'x' }).expect(422)).body.error.code).toBe('ENGINEER_ALREADY_SUSPENDED');
    await api.post('/engineers/demo-engineer/reinstate', 'supervisor', { reason: 'cleared' }).expect(200);
    expect((await api.post('/engineers/demo-engineer/reinstate', 'supervisor', { reason: 'x' }).expect(422)).body.error.code).toBe('ENGINEER_NOT_SUSPENDED');
    await api.post('/engineers/demo-engineer/suspend', 'agent', { reason: 'x' }).expect(403);
    const bad = await api.post('/engineers/demo-engineer/credentials', 'agent', { kind: 'skill', verifiedBy: 'platform', certificateNo: 'S', validFrom: '2026-01-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z' }).expect(400);
    expect(bad.body.error.details[0].field).toBe('category');
    await api.post('/engineers/demo-engineer/credentials/wizardry/revoke', 'agent', { reason: 'x' }).expect(400);
    const backwards = await api.refused(
      () => api.post('/engineers/demo-engineer/credentials', 'agent', { kind: 'health', verifiedBy: 'platform', certificateNo: 'H', validFrom: '2027-01-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z' }),
      400,
      'VALIDATION_FAILED',
    );
    expect(backwards.body.error.details).toEqual([{ field: 'validUntil', message: 'validUntil must be after validFrom' }]);
    await api.post('/engineers/nobody/credentials', 'agent', { kind: 'health', verifiedBy: 'platform', certificateNo: 'H', validFrom: '2026-01-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z' }).expect(404);
  });

  it('serves OpenAPI at /docs-json describing every route, and Prometheus metrics', async () => {
    const docs = await api.get('/docs-json', 'customer').expect(200);
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/orders/{id}/parts', '/complaints/{id}/compensate', '/rate-cards', '/engineers/{id}']));
    expect(docs.body.paths['/orders/{id}/parts'].post.responses['422']).toBeDefined();
    // The Idempotency-Key header: required on money-moving routes, optional on every other POST.
    const header = (path: string) => docs.body.paths[path].post.parameters.find((p: { name: string }) => p.name === 'Idempotency-Key');
    expect(header('/orders/{id}/parts')).toMatchObject({ in: 'header', required: true });
    expect(header('/complaints/{id}/compensate')).toMatchObject({ in: 'header', required: true });
    expect(header('/orders/{id}/quote')).toMatchObject({ in: 'header', required: false });
    expect(docs.body.paths['/orders'].post.responses['415']).toBeDefined();
    expect(docs.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque token' });
    // Read-model answers are described from the tables' own column reference.
    const bills = docs.body.paths['/bills'].get.responses['200'].content['application/json'].schema;
    expect(bills.properties.items.items.properties.customerDueFen).toMatchObject({ type: 'integer', description: expect.stringContaining('owes') });
    const complaint = docs.body.paths['/complaints/{id}'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(complaint.properties)).toEqual(expect.arrayContaining(['complaintId', 'ackSla', 'overdue', 'position']));
    // The order reads: the charge trail's entries and running totals, the history's envelopes.
    const schemas = docs.body.components.schemas;
    expect(docs.body.paths['/orders/{id}/charge-trail'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ChargeTrailDoc' });
    expect(Object.keys(schemas.TrailTotalsDoc.properties)).toEqual(expect.arrayContaining(['chargesFen', 'customerBalanceFen', 'consentCeilingFen']));
    expect(Object.keys(schemas.EventEnvelopeDoc.properties)).toEqual(expect.arrayContaining(['eventId', 'position', 'metadata', 'prevHash', 'hash']));
    const ok = (path: string) => docs.body.paths[path].get.responses['200'].content['application/json'].schema;
    expect([ok('/engineers/{id}'), ok('/rate-cards')]).toEqual([{ $ref: '#/components/schemas/EngineerDoc' }, { $ref: '#/components/schemas/RateCardInForceDoc' }]);
    expect(Object.keys(schemas.EngineerDoc.properties)).toEqual(expect.arrayContaining(['dispatchable', 'reasons', 'credentials']));
    const metrics = await api.get('/metrics', 'customer').expect(200);
    expect(metrics.text).toMatch(/ledger_commands_total\{type="RegisterEngineer",outcome="recorded"\} 1/);
    expect(metrics.text).toMatch(/ledger_append_duration_seconds_count \d+/);
  });
});
