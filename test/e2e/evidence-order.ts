import type { TestApp } from '../support/app.js';
import { client, orderUpTo } from '../support/scenario.js';

/**
 * An order with everything an evidence bundle holds (on a seeded world): quote and consent,
 * dispatch on verified credentials, check-in, a labour line, a part voided (its reason has a
 * comma and a quote, for the CSV) and replaced, completion, payment, and a complaint with
 * advance compensation: 13 order events and 3 complaint events.
 */
export async function evidenceOrder(t: TestApp, orderId: string, complaintId = `${orderId}-c`): Promise<{ lastPosition: string }> {
  const api = client(t);
  await orderUpTo(t, orderId, 'checked_in');
  await api.post(`/orders/${orderId}/charges`, 'engineer', { code: 'LAB-DIAG', quantity: 1 }, `${orderId}-1`).expect(200);
  await api.post(`/orders/${orderId}/parts`, 'engineer', { code: 'CAP-35UF', quantity: 1, serialNo: 'C-1' }, `${orderId}-2`).expect(200);
  await api.post(`/orders/${orderId}/charges/L2/void`, 'agent', { reason: 'wrong part, the "35μF" one' }).expect(200);
  await api.post(`/orders/${orderId}/parts`, 'engineer', { code: 'CAP-35UF', quantity: 1, serialNo: 'C-2' }, `${orderId}-3`).expect(200);
  await api.post(`/orders/${orderId}/complete`, 'engineer', { outcome: 'fixed' }).expect(200);
  await api.post(`/orders/${orderId}/payments`, 'agent', { amountFen: 9500, method: 'wechat', reference: 'wx-1' }, `${orderId}-4`).expect(200);
  await api.post(`/orders/${orderId}/rating`, 'customer', { stars: 5 }).expect(200);
  await api.post('/complaints', 'agent', { complaintId, orderId, category: 'late', description: 'arrived late', claimedFen: 2000 }).expect(201);
  await api.post(`/complaints/${complaintId}/acknowledge`, 'agent', {}).expect(200);
  const paid = await api.post(`/complaints/${complaintId}/compensate`, 'agent', { amountFen: 1500, reason: 'late arrival' }, `${orderId}-5`).expect(200);
  return { lastPosition: paid.body.position };
}
