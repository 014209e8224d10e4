import request from 'supertest';
import type { Test } from 'supertest';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { auth, TEST_START, type TestApp } from './app.js';

/** The highest position a command of this app answered with, per app. */
const answered = new WeakMap<TestApp, bigint>();

/** HTTP helpers and a seeded world (rate card, verified engineer) for end-to-end tests. */
export function client(t: TestApp) {
  const post = (path: string, role: string, body: unknown = {}, key?: string) => {
    const req = request(t.http).post(path).set(auth(role));
    if (key) req.set('Idempotency-Key', key);
    req.on('response', (res: { body?: { position?: unknown } }) => {
      const position = res.body?.position;
      if (typeof position === 'string' && /^\d+$/.test(position) && BigInt(position) > (answered.get(t) ?? 0n)) answered.set(t, BigInt(position));
    });
    return req.send(body as object);
  };
  const get = (path: string, role: string) => request(t.http).get(path).set(auth(role));
  const rawHead = () => t.app.get<EventStore>(EVENT_STORE).headPosition();
  /**
   * The head once every answered command is visible: on PostgreSQL readers stop below the
   * cluster-wide transaction horizon, which any transaction in progress elsewhere holds back.
   */
  const head = async () => {
    const target = answered.get(t) ?? 0n;
    let last = -1n;
    let steady = 0;
    // Visible past every answered command, and unchanged over three reads (a second append of a
    // command, such as a complaint's link on its order, comes after the answered position).
    for (let i = 0; i < 300 && steady < 3; i++) {
      const position = await rawHead();
      steady = position >= target && position === last ? steady + 1 : 0;
      last = position;
      if (steady < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return last;
  };
  /** A refused request answers with its status and code, and appends nothing. */
  const refused = async (send: () => Test, status: number, code: string) => {
    const before = await head();
    const res = await send();
    expect({ status: res.status, code: res.body?.error?.code }).toEqual({ status, code });
    // A sentence a person can act on, not merely a string.
    expect(res.body.error.message).toMatch(/\w+ \w+/);
    expect(await head()).toBe(before);
    return res;
  };
  return { post, get, head, refused };
}

export const CARD_ITEMS = [
  { code: 'LAB-DIAG', name: '上门检测', kind: 'labor', unit: 'visit', unitPriceFen: 5000 },
  { code: 'FEE-VISIT', name: '上门费', kind: 'fee', unit: 'visit', unitPriceFen: 2000 },
  { code: 'CAP-35UF', name: '启动电容 35μF', kind: 'part', unit: 'piece', unitPriceFen: 4500 },
  { code: 'GAS-R32', name: 'R32 冷媒', kind: 'consumable', unit: '100g', unitPriceFen: 3000 },
];

export const CREDENTIAL_KINDS = ['real_name', 'safety', 'health', 'skill'];

export async function seedWorld(t: TestApp, engineerId = 'demo-engineer'): Promise<void> {
  const { post } = client(t);
  await post('/rate-cards', 'supervisor', { brand: 'midea', category: 'air_conditioner', city: '*', effectiveFrom: TEST_START, items: CARD_ITEMS }).expect(201);
  await registerVerifiedEngineer(t, engineerId);
}

export async function registerVerifiedEngineer(t: TestApp, engineerId: string, parties = ['platform', 'brand'], category = 'air_conditioner'): Promise<void> {
  const { post } = client(t);
  await post('/engineers', 'agent', {
    engineerId,
    name: '王师傅',
    phone: '13800138000',
    providerType: 'manufacturer',
    providerId: 'midea-sh',
    cities: ['shanghai'],
    categories: [category],
  }).expect(201);
  for (const kind of CREDENTIAL_KINDS) {
    for (const verifiedBy of parties) {
      await post(`/engineers/${engineerId}/credentials`, 'agent', {
        kind,
        ...(kind === 'skill' ? { category } : {}),
        verifiedBy,
        certificateNo: `${kind}-${verifiedBy}-1`,
        validFrom: '2026-01-01T00:00:00.000Z',
        validUntil: '2028-01-01T00:00:00.000Z',
      }).expect(200);
    }
  }
}

export function orderBody(orderId: string, extra: Record<string, unknown> = {}) {
  return {
    orderId,
    customer: { customerId: 'demo-customer', name: '李女士', phone: '13900139000', city: 'shanghai', address: '世纪大道 100 号' },
    product: { brand: 'midea', category: 'air_conditioner', model: 'KFR-35GW' },
    serviceType: 'repair',
    appointment: { from: '2026-05-04T10:00:00.000Z', to: '2026-05-04T12:00:00.000Z' },
    ...extra,
  };
}

/** Creates an order and takes it as far as `until`: quoted (LAB-DIAG + CAP-35UF = 9,500 fen), accepted, dispatched, checked in. */
export async function orderUpTo(
  t: TestApp,
  orderId: string,
  until: 'created' | 'quoted' | 'accepted' | 'dispatched' | 'checked_in',
  extra: Record<string, unknown> = {},
): Promise<void> {
  const { post } = client(t);
  const steps = ['created', 'quoted', 'accepted', 'dispatched', 'checked_in'];
  const upTo = steps.indexOf(until);
  await post('/orders', 'agent', orderBody(orderId, extra)).expect(201);
  if (upTo >= 1) await post(`/orders/${orderId}/quote`, 'agent', { lines: [{ code: 'LAB-DIAG', quantity: 1 }, { code: 'CAP-35UF', quantity: 1 }] }).expect(201);
  if (upTo >= 2) await post(`/orders/${orderId}/quote/accept`, 'customer', { quoteRevision: 1 }).expect(200);
  if (upTo >= 3) await post(`/orders/${orderId}/dispatch`, 'agent', { engineerId: 'demo-engineer' }).expect(200);
  if (upTo >= 4) await post(`/orders/${orderId}/check-in`, 'engineer', {}).expect(200);
}
