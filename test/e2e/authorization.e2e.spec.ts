import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ModulesContainer } from '@nestjs/core';
import request from 'supertest';
import { POLICY, type Policy } from '../../src/auth/policy.decorator.js';
import { startTestApp, type TestApp } from '../support/app.js';

const ROLES = ['customer', 'engineer', 'agent', 'supervisor', 'compliance', 'analyst', 'admin'] as const;
type Role = (typeof ROLES)[number];
const STAFF: Role[] = ['agent', 'supervisor', 'admin'];

/**
 * Who may call what (API.md, Roles). Adding a route without adding it here fails the first test,
 * and a route without a policy fails too: nothing is reachable by accident.
 */
const MATRIX: Record<string, Role[] | 'public'> = {
  'GET /health': 'public',
  'GET /metrics': 'public',
  'POST /engineers': STAFF,
  'POST /engineers/:id/credentials': STAFF,
  'POST /engineers/:id/credentials/:kind/revoke': STAFF,
  'POST /engineers/:id/suspend': ['supervisor', 'admin'],
  'POST /engineers/:id/reinstate': ['supervisor', 'admin'],
  'GET /engineers/:id': ['engineer', 'compliance', ...STAFF],
  'POST /rate-cards': ['supervisor', 'admin'],
  'GET /rate-cards': [...ROLES],
  'POST /orders': STAFF,
  'POST /orders/:id/quote': STAFF,
  'POST /orders/:id/quote/accept': ['customer', ...STAFF],
  'POST /orders/:id/dispatch': STAFF,
  'POST /orders/:id/check-in': ['engineer', 'admin'],
  'POST /orders/:id/parts': ['engineer', 'admin'],
  'POST /orders/:id/charges': ['engineer', 'admin'],
  'POST /orders/:id/charges/:lineId/void': STAFF,
  'POST /orders/:id/complete': ['engineer', 'admin'],
  'POST /orders/:id/payments': STAFF,
  'POST /orders/:id/refunds': STAFF,
  'POST /orders/:id/rating': ['customer', 'admin'],
  'POST /orders/:id/cancel': STAFF,
  'GET /orders/:id': ['customer', 'engineer', 'compliance', ...STAFF],
  'GET /orders/:id/history': ['compliance', ...STAFF],
  'GET /orders/:id/charge-trail': ['compliance', ...STAFF],
  'GET /orders/:id/evidence': ['compliance', ...STAFF],
  'POST /complaints': ['customer', ...STAFF],
  'POST /complaints/:id/acknowledge': STAFF,
  'POST /complaints/:id/transfer': STAFF,
  'POST /complaints/:id/compensate': STAFF,
  'POST /complaints/:id/escalate': STAFF,
  'POST /complaints/:id/resolve': STAFF,
  'POST /complaints/:id/reopen': STAFF,
  'GET /orders/:id/bill': ['customer', 'compliance', 'analyst', ...STAFF],
  'GET /bills': ['compliance', 'analyst', ...STAFF],
  'GET /engineers/:id/score': ['engineer', 'compliance', 'analyst', ...STAFF],
  'GET /engineer-scores': ['compliance', 'analyst', ...STAFF],
  'GET /complaints': ['compliance', 'analyst', ...STAFF],
  'GET /complaints/:id': ['customer', 'compliance', 'analyst', ...STAFF],
  'GET /complaint-stats': ['compliance', 'analyst', ...STAFF],
  // API.md: agents read everything but the read audit.
  'GET /read-audit': ['compliance', 'admin'],
};

interface Route {
  key: string;
  method: string;
  path: string;
  policy: Policy | undefined;
}

function discoverRoutes(t: TestApp): Route[] {
  const routes: Route[] = [];
  for (const module of t.app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as { prototype: Record<string, unknown> } | null;
      if (!controller) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = controller.prototype[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const sub = Reflect.getMetadata(PATH_METADATA, handler);
        if (sub === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number];
        const path = `/${[base, sub].filter((p) => p && p !== '/').join('/')}`.replace(/\/+/g, '/');
        const policy = (Reflect.getMetadata(POLICY, handler) ?? Reflect.getMetadata(POLICY, controller)) as Policy | undefined;
        routes.push({ key: `${method} ${path}`, method, path, policy });
      }
    }
  }
  return routes;
}

describe('the authorization matrix', () => {
  let t: TestApp;
  let routes: Route[];
  beforeAll(async () => {
    t = await startTestApp('embedded');
    routes = discoverRoutes(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('covers exactly the routes the service serves, each with a policy', () => {
    expect(routes.map((r) => r.key).sort()).toEqual(Object.keys(MATRIX).sort());
    expect(routes.filter((r) => !r.policy).map((r) => r.key)).toEqual([]);
  });

  it('answers 401 without a token on every route that is not public', async () => {
    for (const route of routes.filter((r) => MATRIX[r.key] !== 'public')) {
      const res = await send(t, route, undefined);
      expect([route.key, res.status]).toEqual([route.key, 401]);
    }
  });

  it.each(ROLES)('lets %s call exactly the routes the matrix allows (others: 403)', async (role) => {
    for (const route of routes) {
      const allowed = MATRIX[route.key] === 'public' || (MATRIX[route.key] as Role[]).includes(role);
      const res = await send(t, route, role);
      if (allowed) expect([route.key, res.status === 403 || res.status === 401]).toEqual([route.key, false]);
      else expect([route.key, res.status, res.body?.error?.code]).toEqual([route.key, 403, 'FORBIDDEN']);
    }
  });
});

function send(t: TestApp, route: Route, role: Role | undefined) {
  const path = route.path.replace(':id', 'x1').replace(':kind', 'health').replace(':lineId', 'L1');
  const req = route.method === 'GET' ? request(t.http).get(path) : request(t.http).post(path).send({});
  if (role) req.set('Authorization', `Bearer demo-${role}`);
  return req;
}
