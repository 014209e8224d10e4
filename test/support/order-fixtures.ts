import {
  dispatchability,
  type Dispatchability,
  engineerDecider,
  type EngineerState,
} from '../../src/engineers/domain/engineer.decider.js';
import type { CredentialKind, EngineerEvent, VerifyingParty } from '../../src/engineers/domain/engineer.events.js';
import type { Actor } from '../../src/event-store/envelope.js';
import type { OrderCommand } from '../../src/orders/domain/order.decider.js';
import type {
  CompletionOutcome,
  ConsentRef,
  OrderCreated,
  OrderEvent,
  Payer,
  PricedLine,
  ServicePackage,
} from '../../src/orders/domain/order.events.js';
import type { RateCardVersion } from '../../src/rate-cards/domain/rate-card.decider.js';
import { fold } from '../../src/shared/decider.js';

/**
 * Builders for order decider tests: one order, one rate card, one verified engineer, a fixed
 * clock. Amounts are never computed here; every test states the fen it expects.
 */

// The clock --------------------------------------------------------------------------------------

/** When the order is booked. */
export const BOOKED_AT = '2026-05-01T08:00:00.000Z';
/** The appointment window: 10:00-12:00 on 4 May. */
export const WINDOW = { from: '2026-05-04T10:00:00.000Z', to: '2026-05-04T12:00:00.000Z' };
/** On site, inside the window. */
export const ON_SITE_AT = '2026-05-04T11:30:00.000Z';
/** On site, after the window ended. */
export const LATE_AT = '2026-05-04T12:30:00.000Z';
/** After the work: payments, ratings, voids. */
export const AFTER_AT = '2026-05-04T14:00:00.000Z';

export const ORDER_ID = 'ord-1';

// The people -------------------------------------------------------------------------------------

export const agent: Actor = { id: 'agent-1', role: 'agent' };
export const supervisor: Actor = { id: 'sup-1', role: 'supervisor' };
export const customer: Actor = { id: 'cust-1', role: 'customer' };
export const otherCustomer: Actor = { id: 'cust-2', role: 'customer' };
export const engineer: Actor = { id: 'eng-1', role: 'engineer' };
export const otherEngineer: Actor = { id: 'eng-2', role: 'engineer' };

// The rate card in force -------------------------------------------------------------------------

/** Version 3 of the card, so a test can tell the card's version from a default of 1. */
export const CARD: RateCardVersion = {
  rateCardId: 'midea.air_conditioner.ALL',
  version: 3,
  brand: 'midea',
  category: 'air_conditioner',
  city: '*',
  effectiveFrom: '2026-01-01T00:00:00.000Z',
  items: [
    { code: 'LAB-DIAG', name: '上门检测', kind: 'labor', unit: 'visit', unitPriceFen: 5000 },
    { code: 'FEE-VISIT', name: '上门费', kind: 'fee', unit: 'visit', unitPriceFen: 2000 },
    { code: 'CAP-35UF', name: '启动电容 35μF', kind: 'part', unit: 'piece', unitPriceFen: 4500 },
    { code: 'GAS-R32', name: 'R32 冷媒', kind: 'consumable', unit: '100g', unitPriceFen: 3000 },
  ],
};
export const PART_CODES = ['CAP-35UF', 'GAS-R32'] as const;
export const CHARGE_CODES = ['LAB-DIAG', 'FEE-VISIT'] as const;

/** 一价全包 at 199 yuan, funded by the brand. */
export const PACKAGE: ServicePackage = { code: 'PKG-AC-CLEAN', priceFen: 19_900, fundedBy: 'brand' };

// Commands ---------------------------------------------------------------------------------------

type Data<T extends OrderCommand['type']> = Extract<OrderCommand, { type: T }>['data'];

export function orderData(extra: Partial<OrderCreated['data']> = {}): OrderCreated['data'] {
  return {
    orderId: ORDER_ID,
    customer: { customerId: customer.id, name: '李女士', phone: '13900139000', city: 'shanghai', address: '世纪大道 100 号' },
    product: { brand: 'midea', category: 'air_conditioner', model: 'KFR-35GW' },
    serviceType: 'repair',
    appointment: WINDOW,
    ...extra,
  };
}

export const createOrder = (data: OrderCreated['data'] = orderData(), actor: Actor = agent): OrderCommand => ({
  type: 'CreateOrder',
  orderId: data.orderId,
  actor,
  now: BOOKED_AT,
  data,
});

export const issueQuote = (lines: Data<'IssueQuote'>['lines'], card: RateCardVersion | null = CARD, actor: Actor = agent): OrderCommand => ({
  type: 'IssueQuote',
  orderId: ORDER_ID,
  actor,
  now: BOOKED_AT,
  data: { lines },
  card,
});

export const acceptQuote = (quoteRevision: number, actor: Actor = customer): OrderCommand => ({
  type: 'AcceptQuote',
  orderId: ORDER_ID,
  actor,
  now: BOOKED_AT,
  data: { quoteRevision },
});

export const dispatchEngineer = (
  dispatch: Dispatchability,
  policy: 'enforce' | 'record' = 'enforce',
  engineerId = engineer.id,
  actor: Actor = agent,
): OrderCommand => ({
  type: 'DispatchEngineer',
  orderId: ORDER_ID,
  actor,
  now: BOOKED_AT,
  data: { engineerId },
  engineer: dispatch,
  policy,
});

export const checkIn = (now: string, at?: string, actor: Actor = engineer): OrderCommand => ({
  type: 'CheckIn',
  orderId: ORDER_ID,
  actor,
  now,
  data: at === undefined ? {} : { at },
});

export const usePart = (code: string, quantity: number, extra: { serialNo?: string; batchNo?: string } = {}, actor: Actor = engineer): OrderCommand => ({
  type: 'UsePart',
  orderId: ORDER_ID,
  actor,
  now: ON_SITE_AT,
  data: { code, quantity, ...extra },
  card: CARD,
});

export const addCharge = (code: string, quantity: number, actor: Actor = engineer): OrderCommand => ({
  type: 'AddCharge',
  orderId: ORDER_ID,
  actor,
  now: ON_SITE_AT,
  data: { code, quantity },
  card: CARD,
});

export const voidLine = (lineId: string, reason = 'entered twice', actor: Actor = agent): OrderCommand => ({
  type: 'VoidLine',
  orderId: ORDER_ID,
  actor,
  now: AFTER_AT,
  data: { lineId, reason },
});

export const completeOrder = (outcome: CompletionOutcome = 'fixed', actor: Actor = engineer): OrderCommand => ({
  type: 'CompleteOrder',
  orderId: ORDER_ID,
  actor,
  now: AFTER_AT,
  data: { outcome },
});

export const recordPayment = (amountFen: number, actor: Actor = customer, reference = 'wx-1'): OrderCommand => ({
  type: 'RecordPayment',
  orderId: ORDER_ID,
  actor,
  now: AFTER_AT,
  data: { amountFen, method: 'wechat', reference },
});

export const recordRefund = (amountFen: number, actor: Actor = agent): OrderCommand => ({
  type: 'RecordRefund',
  orderId: ORDER_ID,
  actor,
  now: AFTER_AT,
  data: { amountFen, reason: 'part not needed' },
});

export const rateOrder = (stars: number, actor: Actor = customer, comment?: string): OrderCommand => ({
  type: 'RateOrder',
  orderId: ORDER_ID,
  actor,
  now: AFTER_AT,
  data: comment === undefined ? { stars } : { stars, comment },
});

export const cancelOrder = (reason = 'customer no longer needs the visit', actor: Actor = agent): OrderCommand => ({
  type: 'CancelOrder',
  orderId: ORDER_ID,
  actor,
  now: AFTER_AT,
  data: { reason },
});

export const linkComplaint = (complaintId = 'cmp-1', actor: Actor = agent): OrderCommand => ({
  type: 'LinkComplaint',
  orderId: ORDER_ID,
  actor,
  now: AFTER_AT,
  data: { complaintId, category: 'overcharge' },
});

// Events -----------------------------------------------------------------------------------------

export const orderCreated = (extra: Partial<OrderCreated['data']> = {}): OrderEvent => ({ type: 'OrderCreated', data: orderData(extra) });
export const packageOrderCreated = (): OrderEvent => orderCreated({ package: PACKAGE });

/** A line priced from CARD; the caller states the amount it expects. */
export function priced(code: string, quantity: number, amountFen: number, payer: Payer = 'customer'): PricedLine {
  const item = CARD.items.find((i) => i.code === code);
  if (!item) throw new Error(`test card has no item ${code}`);
  return {
    code,
    name: item.name,
    kind: item.kind,
    unit: item.unit,
    unitPriceFen: item.unitPriceFen,
    quantity,
    amountFen,
    payer,
    rateCard: { rateCardId: CARD.rateCardId, version: CARD.version, itemCode: code },
  };
}

export const quoteIssued = (quoteRevision: number, lines: PricedLine[], customerTotalFen: number, totalFen: number): OrderEvent => ({
  type: 'QuoteIssued',
  data: { orderId: ORDER_ID, quoteRevision, lines, customerTotalFen, totalFen },
});

export const quoteAccepted = (quoteRevision: number, customerTotalFen: number, acceptedBy: Actor = customer): OrderEvent => ({
  type: 'QuoteAccepted',
  data: { orderId: ORDER_ID, quoteRevision, customerTotalFen, acceptedBy },
});

export const engineerDispatched = (dispatch: Dispatchability, policy: 'enforce' | 'record' = 'enforce', engineerId = engineer.id): OrderEvent => ({
  type: 'EngineerDispatched',
  data: { orderId: ORDER_ID, engineerId, category: 'air_conditioner', at: BOOKED_AT, policy, credentials: dispatch.relied, missing: dispatch.missing },
});

export const engineerCheckedIn = (at: string, late: boolean, engineerId = engineer.id): OrderEvent => ({
  type: 'EngineerCheckedIn',
  data: { orderId: ORDER_ID, engineerId, at, late },
});

export const partUsed = (lineId: string, line: PricedLine, consent?: ConsentRef, extra: { serialNo?: string; batchNo?: string } = {}): OrderEvent => ({
  type: 'PartUsed',
  data: { ...line, orderId: ORDER_ID, lineId, ...(consent ? { consent } : {}), ...extra },
});

export const chargeAdded = (lineId: string, line: PricedLine, consent?: ConsentRef): OrderEvent => ({
  type: 'ChargeAdded',
  data: { ...line, orderId: ORDER_ID, lineId, ...(consent ? { consent } : {}) },
});

export const lineVoided = (lineId: string, amountFen: number, payer: Payer = 'customer', reason = 'entered twice'): OrderEvent => ({
  type: 'LineVoided',
  data: { orderId: ORDER_ID, lineId, reason, amountFen, payer },
});

export const orderCompleted = (outcome: CompletionOutcome = 'fixed', engineerId = engineer.id): OrderEvent => ({
  type: 'OrderCompleted',
  data: { orderId: ORDER_ID, engineerId, outcome },
});

export const paymentRecorded = (paymentId: string, amountFen: number, reference = 'wx-1'): OrderEvent => ({
  type: 'PaymentRecorded',
  data: { orderId: ORDER_ID, paymentId, amountFen, method: 'wechat', reference },
});

export const refundRecorded = (refundId: string, amountFen: number): OrderEvent => ({
  type: 'RefundRecorded',
  data: { orderId: ORDER_ID, refundId, amountFen, reason: 'part not needed' },
});

export const orderRated = (stars: number, engineerId = engineer.id): OrderEvent => ({
  type: 'OrderRated',
  data: { orderId: ORDER_ID, engineerId, stars },
});

export const orderCancelled = (reason = 'customer no longer needs the visit'): OrderEvent => ({
  type: 'OrderCancelled',
  data: { orderId: ORDER_ID, reason },
});

export const complaintLinked = (complaintId = 'cmp-1'): OrderEvent => ({
  type: 'ComplaintLinked',
  data: { orderId: ORDER_ID, complaintId, category: 'overcharge' },
});

// Engineers, as the handler sees them at dispatch -----------------------------------------------

const CREDENTIAL_VALID = { validFrom: '2026-01-01T00:00:00.000Z', validUntil: '2028-01-01T00:00:00.000Z' };

export const engineerRegistered = (engineerId = engineer.id, categories = ['air_conditioner']): EngineerEvent => ({
  type: 'EngineerRegistered',
  data: { engineerId, name: '王师傅', phone: '13800138000', providerType: 'manufacturer', providerId: 'midea-sh', cities: ['shanghai'], categories },
});

export const credentialVerified = (kind: CredentialKind, verifiedBy: VerifyingParty, engineerId = engineer.id): EngineerEvent => ({
  type: 'CredentialVerified',
  data: {
    engineerId,
    kind,
    ...(kind === 'skill' ? { category: 'air_conditioner' } : {}),
    verifiedBy,
    certificateNo: `${kind}-${verifiedBy}-1`,
    ...CREDENTIAL_VALID,
  },
});

/** Every credential checked by the platform and the brand. */
export const fullyVerified = (engineerId = engineer.id): EngineerEvent[] =>
  (['real_name', 'safety', 'health', 'skill'] as const).flatMap((kind) => [
    credentialVerified(kind, 'platform', engineerId),
    credentialVerified(kind, 'brand', engineerId),
  ]);

export const engineerAfter = (events: EngineerEvent[]): EngineerState => fold(engineerDecider, events);

/** What the handler hands the order decider: the engineer's dispatchability for air conditioners at booking time. */
export const dispatchabilityOf = (events: EngineerEvent[]): Dispatchability => dispatchability(engineerAfter(events), BOOKED_AT, 'air_conditioner');

export const VERIFIED: Dispatchability = dispatchabilityOf([engineerRegistered(), ...fullyVerified()]);
