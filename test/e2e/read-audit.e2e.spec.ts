import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { startTestApp, type TestApp, type TestStore } from '../support/app.js';
import { DATABASE_URL } from '../support/postgres.js';
import { client, seedWorld } from '../support/scenario.js';
import { evidenceOrder } from './evidence-order.js';

const stores: TestStore[] = DATABASE_URL ? ['embedded', 'postgres'] : ['embedded'];

describe.each(stores)('the read audit over HTTP (%s store)', (store) => {
  let t: TestApp;
  let api: ReturnType<typeof client>;
  /** Lists the read audit (compliance) once the projection has passed every recorded read. */
  const audit = async (query: string) => api.get(`/read-audit?minPosition=${await api.head()}&${query}`, 'compliance').expect(200);

  beforeAll(async () => {
    t = await startTestApp(store);
    api = client(t);
    await seedWorld(t);
    await evidenceOrder(t, 'o-ra', 'c-ra');
    await evidenceOrder(t, 'o-rb', 'c-rb');
  });
  afterAll(async () => {
    await t.close();
  });

  it('records who read which part of the record, when, as of when and why, and lists it newest first', async () => {
    t.clock.set('2026-05-05T08:00:00.000Z');
    await api.get('/orders/o-ra/history?asOf=2026-05-04T09:00:00Z', 'compliance').set('X-Access-Reason', encodeURIComponent('核查投诉 c-ra')).expect(200);
    t.clock.set('2026-05-05T08:01:00.000Z');
    await api.get('/orders/o-ra/charge-trail', 'supervisor').expect(200);
    t.clock.set('2026-05-05T08:02:00.000Z');
    await api.get('/orders/o-ra/evidence', 'agent').set('X-Access-Reason', 'dispute #42, customer disputes the visit fee').expect(200);
    t.clock.set('2026-05-05T08:03:00.000Z');
    await api.get('/orders/o-rb/history', 'admin').expect(200);

    const res = await audit('orderId=o-ra');
    expect(res.body.items).toEqual([
      expect.objectContaining({ orderId: 'o-ra', revision: 2, actorId: 'demo-agent', actorRole: 'agent', what: 'evidence', channel: 'http', asOf: null, reason: 'dispute #42, customer disputes the visit fee', readAt: '2026-05-05T08:02:00.000Z' }),
      expect.objectContaining({ revision: 1, actorId: 'demo-supervisor', actorRole: 'supervisor', what: 'charge-trail', reason: null, readAt: '2026-05-05T08:01:00.000Z' }),
      expect.objectContaining({ revision: 0, actorId: 'demo-compliance', actorRole: 'compliance', what: 'history', asOf: '2026-05-04T09:00:00.000Z', reason: '核查投诉 c-ra' }),
    ]);
    expect(res.body.items[0].eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(BigInt(res.body.position)).toBeGreaterThanOrEqual(BigInt(res.body.items[0].lastPosition));
    t.clock.set('2026-05-04T09:00:00.000Z');
  });

  it('filters by actor and time, and pages with a cursor that walks every read once', async () => {
    const byAdmin = await audit('actorId=demo-admin');
    expect(byAdmin.body.items.map((r: { orderId: string; what: string }) => [r.orderId, r.what])).toEqual([['o-rb', 'history']]);
    const window = await audit('from=2026-05-05T08:01:00Z&to=2026-05-05T08:03:00Z');
    expect(window.body.items.map((r: { what: string }) => r.what)).toEqual(['evidence', 'charge-trail']);
    const first = await audit('limit=3');
    expect(first.body.items.map((r: { orderId: string; revision: number }) => `${r.orderId}@${r.revision}`)).toEqual(['o-rb@0', 'o-ra@2', 'o-ra@1']);
    const second = await api.get(`/read-audit?limit=3&cursor=${first.body.nextCursor}`, 'compliance').expect(200);
    expect(second.body.items.map((r: { orderId: string; revision: number }) => `${r.orderId}@${r.revision}`)).toEqual(['o-ra@0']);
    expect(second.body.nextCursor).toBeNull();
  });

  it('is for compliance and admin only: agents read everything but the read audit', async () => {
    for (const role of ['agent', 'supervisor', 'analyst', 'customer', 'engineer']) await api.get('/read-audit', role).expect(403);
    await api.get('/read-audit', 'admin').expect(200);
    const bad = await api.get('/read-audit?from=yesterday&orderId=a%20b', 'compliance').expect(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['from', 'orderId']);
    await api.get('/read-audit?cursor=garbage', 'compliance').expect(400);
  });

  it('records nothing for a read of an unknown order, a refused read or a bad reason', async () => {
    await api.refused(() => api.get('/orders/nope/history', 'compliance'), 404, 'NOT_FOUND');
    await api.refused(() => api.get('/orders/nope/charge-trail', 'agent'), 404, 'NOT_FOUND');
    await api.refused(() => api.get('/orders/nope/evidence', 'compliance'), 404, 'NOT_FOUND');
    await api.refused(() => api.get('/orders/o-ra/history', 'customer'), 403, 'FORBIDDEN');
    await api.refused(() => api.get('/orders/o-ra/history', 'compliance').set('X-Access-Reason', '   '), 400, 'VALIDATION_FAILED');
    await api.refused(() => api.get('/orders/o-ra/charge-trail', 'compliance').set('X-Access-Reason', 'line%0Abreak'), 400, 'VALIDATION_FAILED');
    expect((await audit('orderId=nope')).body.items).toEqual([]);
  });

  it('fails the read when its record cannot be written: no read goes unrecorded', async () => {
    const events = t.app.get<EventStore>(EVENT_STORE);
    const append = events.append;
    events.append = async (stream, ...rest) => {
      if (stream.startsWith('read-audit-')) throw new Error('disk full');
      return append.call(events, stream, ...rest);
    };
    try {
      const res = await api.get('/orders/o-rb/evidence', 'compliance').expect(500);
      expect(res.body).toEqual({ error: { code: 'INTERNAL', message: expect.any(String), details: [] } });
      await api.get('/orders/o-rb/history', 'compliance').expect(500);
    } finally {
      events.append = append;
    }
    expect((await audit('orderId=o-rb')).body.items).toHaveLength(1);
  });
});
