import request from 'supertest';
import { SQL_DATABASE, type SqlDatabase } from '../../src/persistence/sql-database.js';
import { auth, startTestApp, type TestApp, type TestStore } from '../support/app.js';
import { DATABASE_URL } from '../support/postgres.js';
import { client, orderBody, orderUpTo, seedWorld } from '../support/scenario.js';

const stores: TestStore[] = DATABASE_URL ? ['embedded', 'postgres'] : ['embedded'];

describe.each(stores)('idempotent commands (%s store)', (store) => {
  let t: TestApp;
  let api: ReturnType<typeof client>;
  beforeAll(async () => {
    t = await startTestApp(store);
    api = client(t);
    await seedWorld(t);
    await orderUpTo(t, 'o-idem', 'checked_in');
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers a retry with the first response, byte for byte, and records nothing new', async () => {
    const first = await api.post('/orders/o-idem/parts', 'engineer', { code: 'CAP-35UF', quantity: 1 }, 'retry-1').expect(200);
    const head = await api.head();
    t.clock.advance(5_000);
    const again = await api.post('/orders/o-idem/parts', 'engineer', { quantity: 1, code: 'CAP-35UF' }, 'retry-1').expect(200);
    expect(again.text).toBe(first.text);
    expect(await api.head()).toBe(head);
    const order = await api.get('/orders/o-idem', 'agent');
    expect(order.body.lines).toHaveLength(1);
  });

  it('replays a refusal too', async () => {
    const first = await api.post('/orders/o-idem/parts', 'engineer', { code: 'GAS-R32', quantity: 9 }, 'retry-2').expect(422);
    const again = await api.post('/orders/o-idem/parts', 'engineer', { code: 'GAS-R32', quantity: 9 }, 'retry-2').expect(422);
    expect(again.text).toBe(first.text);
  });

  it('frees the key of a request that failed validation, so the corrected request may use it', async () => {
    await orderUpTo(t, 'o-idem-fix', 'checked_in');
    await api.refused(() => api.post('/orders/o-idem-fix/parts', 'engineer', { code: 'CAP-35UF', quantity: -1 }, 'fix-me'), 400, 'VALIDATION_FAILED');
    const fixed = await api.post('/orders/o-idem-fix/parts', 'engineer', { code: 'CAP-35UF', quantity: 1 }, 'fix-me').expect(200);
    const again = await api.post('/orders/o-idem-fix/parts', 'engineer', { code: 'CAP-35UF', quantity: 1 }, 'fix-me').expect(200);
    expect(again.text).toBe(fixed.text);
    expect((await api.get('/orders/o-idem-fix', 'agent')).body.lines).toHaveLength(1);
  });

  it('refuses the same key with a different body (422 IDEMPOTENCY_KEY_REUSED) and records nothing', async () => {
    const head = await api.head();
    const res = await api.post('/orders/o-idem/parts', 'engineer', { code: 'CAP-35UF', quantity: 2 }, 'retry-1').expect(422);
    expect(res.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await api.head()).toBe(head);
  });

  it('executes concurrent duplicates once and answers all of them alike', async () => {
    const send = () =>
      request(t.http).post('/orders/o-idem/charges').set(auth('engineer')).set('Idempotency-Key', 'burst-1').send({ code: 'LAB-DIAG', quantity: 1 });
    const responses = await Promise.all([send(), send(), send(), send()]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(responses.map((r) => r.text)).size).toBe(1);
    const order = await api.get('/orders/o-idem', 'agent');
    expect(order.body.lines.filter((l: { code: string }) => l.code === 'LAB-DIAG')).toHaveLength(1);
  });

  it('scopes keys to the caller: the same key from another actor is another command', async () => {
    await api.post('/orders', 'agent', orderBody('o-k1'), 'shared-key').expect(201);
    await api.post('/orders', 'supervisor', orderBody('o-k2'), 'shared-key').expect(201);
    await api.get('/orders/o-k2', 'agent').expect(200);
  });

  it('treats other spellings of the same route (case, trailing slash, %-escapes) as the same request', async () => {
    const body = { amountFen: 100, method: 'cash', reference: 'R-1' };
    await api.post('/orders/o-idem/complete', 'engineer', { outcome: 'fixed' }).expect(200);
    const first = await api.post('/orders/o-idem/payments', 'agent', body, 'spell-1').expect(200);
    for (const path of ['/orders/o-idem/payments/', '/Orders/o-idem/Payments', '/orders/%6F-idem/payments']) {
      const again = await api.post(path, 'agent', body, 'spell-1').expect(200);
      expect(again.text).toBe(first.text);
    }
    const order = await api.get('/orders/o-idem', 'agent');
    expect(order.body.paidFen).toBe(100);
  });

  it('gives a retried creation the same server-assigned id, even when its idempotency record was lost', async () => {
    const { orderId: _, ...withoutId } = orderBody('unused');
    const first = await api.post('/orders', 'agent', withoutId, 'create-1').expect(201);
    const head = await api.head();
    await t.app.get<SqlDatabase>(SQL_DATABASE).db.deleteFrom('idempotency_keys').execute();
    const again = await api.post('/orders', 'agent', withoutId, 'create-1').expect(201);
    expect(again.text).toBe(first.text);
    expect(await api.head()).toBe(head);
  });

  it('refuses a malformed key', async () => {
    const res = await api.post('/orders/o-idem/parts', 'engineer', { code: 'CAP-35UF', quantity: 1 }, 'x'.repeat(129)).expect(400);
    expect(res.body.error.details[0].field).toBe('Idempotency-Key');
  });
});
