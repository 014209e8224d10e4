import type { Actor } from '../../event-store/envelope.js';
import type { Dispatchability } from '../../engineers/domain/engineer.decider.js';
import type { RateCardVersion } from '../../rate-cards/domain/rate-card.decider.js';
import { findItem } from '../../rate-cards/domain/rate-card.decider.js';
import type { ItemKind } from '../../rate-cards/domain/rate-card.events.js';
import { assertNever, type Decider } from '../../shared/decider.js';
import { Forbidden, NotFound, RuleViolation, ValidationFailed } from '../../shared/domain-error.js';
import { isBefore } from '../../shared/time.js';
import type {
  CompletionOutcome,
  ConsentRef,
  LineData,
  LinePayer,
  OrderCreated,
  OrderEvent,
  Payer,
  PaymentMethod,
  PricedLine,
  WarrantyRef,
} from './order.events.js';

export type OrderStatus = 'created' | 'dispatched' | 'in_service' | 'completed' | 'cancelled';

export interface OrderLine extends LineData {
  source: 'PartUsed' | 'ChargeAdded';
  voided?: { reason: string };
  serialNo?: string;
  batchNo?: string;
}

export interface Quote {
  quoteRevision: number;
  lines: PricedLine[];
  customerTotalFen: number;
  totalFen: number;
}

/** The order as created, and what has happened to it since. */
export interface OpenOrder extends Readonly<OrderCreated['data']> {
  status: OrderStatus;
  quotes: Quote[];
  /** The consent in force: customer-paid lines may add up to its customerTotalFen. */
  accepted?: ConsentRef;
  engineerId?: string;
  dispatchedAt?: string;
  checkedInAt?: string;
  late?: boolean;
  lines: OrderLine[];
  paidFen: number;
  refundedFen: number;
  payments: number;
  refunds: number;
  outcome?: CompletionOutcome;
  rating?: { stars: number; comment?: string };
  cancelReason?: string;
  complaints: string[];
}

export type OrderState = { status: 'none' } | OpenOrder;

type Base = { orderId: string; actor: Actor; now: string };

/**
 * Whether the dispatched engineer is suspended now, as the handler found it for the on-site
 * commands; absent where nobody looked (the decider then has nothing to refuse on).
 */
type OnSite = { engineerSuspended?: boolean };

/** The order a repeat visit names (`repeatOf`), as the handler found it (null: no such order). */
export type RepeatedOrder = Pick<OpenOrder, 'orderId' | 'customer' | 'product'>;

/** A card in force, as the handler found it for the order's brand, category and city (null: none). */
export type CardInForce = RateCardVersion | null;

export type OrderCommand =
  | (Base & { type: 'CreateOrder'; data: OrderCreated['data']; repeats?: RepeatedOrder | null })
  | (Base & { type: 'IssueQuote'; data: { lines: { code: string; quantity: number; payer?: LinePayer }[] }; card: CardInForce })
  | (Base & { type: 'AcceptQuote'; data: { quoteRevision: number } })
  | (Base & {
      type: 'DispatchEngineer';
      data: { engineerId: string };
      engineer: Dispatchability;
      policy: 'enforce' | 'record';
    })
  | (Base & OnSite & { type: 'CheckIn'; data: { at?: string } })
  | (Base & OnSite & { type: 'UsePart'; data: { code: string; quantity: number; payer?: LinePayer; serialNo?: string; batchNo?: string }; card: CardInForce })
  | (Base & OnSite & { type: 'AddCharge'; data: { code: string; quantity: number; payer?: LinePayer }; card: CardInForce })
  | (Base & { type: 'VoidLine'; data: { lineId: string; reason: string } })
  | (Base & OnSite & { type: 'CompleteOrder'; data: { outcome: CompletionOutcome; notes?: string } })
  | (Base & { type: 'RecordPayment'; data: { amountFen: number; method: PaymentMethod; reference: string } })
  | (Base & { type: 'RecordRefund'; data: { amountFen: number; reason: string } })
  | (Base & { type: 'RateOrder'; data: { stars: number; comment?: string } })
  | (Base & { type: 'CancelOrder'; data: { reason: string } })
  | (Base & { type: 'LinkComplaint'; data: { complaintId: string; category: string } });

const PART_KINDS: readonly ItemKind[] = ['part', 'consumable'];
const CHARGE_KINDS: readonly ItemKind[] = ['labor', 'fee'];

/** Sum of the customer-paid lines still standing. */
export function customerChargesFen(order: OpenOrder): number {
  return order.lines.reduce((sum, l) => (l.voided || l.payer !== 'customer' ? sum : sum + l.amountFen), 0);
}

/**
 * What the customer of an ordinary (not package) order may pay in all: before completion up to
 * the accepted quote (prepayment); once completed no charge can be added, so the standing
 * customer charges.
 */
export function customerPayableFen(order: OpenOrder): number {
  const standing = customerChargesFen(order);
  return order.status === 'completed' ? standing : Math.max(standing, order.accepted?.ceilingFen ?? 0);
}

/** Who pays a line (API.md): the package's funder on a package order, otherwise the customer. */
export function payerOf(order: OpenOrder): Payer {
  return order.package ? order.package.fundedBy : 'customer';
}

function positiveFen(value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ValidationFailed(`${field} must be a positive whole number of fen`, [{ field, message: `${field} must be a positive integer (fen)` }]);
  }
}

function price(card: CardInForce, order: OpenOrder, code: string, quantity: number, kinds: readonly ItemKind[]): PricedLine {
  // Rule 2: every billable line cites an item of the card in force, at its published price.
  if (!card) {
    throw new RuleViolation(
      'RATE_CARD_NOT_FOUND',
      `no rate card is in force for ${order.product.brand} ${order.product.category} in ${order.customer.city}`,
    );
  }
  const item = findItem(card, code);
  if (!item) {
    throw new RuleViolation('RATE_CARD_ITEM_NOT_FOUND', `item ${code} is not on rate card ${card.rateCardId} v${card.version}`, [
      { field: 'code', message: `${code} is not on the card in force`, code },
    ]);
  }
  if (!kinds.includes(item.kind)) {
    throw new RuleViolation('ITEM_KIND_MISMATCH', `item ${code} is a ${item.kind}; this route records ${kinds.join(' or ')} items`, [
      { field: 'code', message: `${code} is a ${item.kind}` },
    ]);
  }
  if (!Number.isSafeInteger(quantity) || quantity < 1) {
    throw new ValidationFailed('quantity must be a positive whole number', [{ field: 'quantity', message: 'quantity must be a positive integer' }]);
  }
  const amountFen = item.unitPriceFen * quantity;
  if (!Number.isSafeInteger(amountFen)) throw new ValidationFailed('amount too large', [{ field: 'quantity', message: 'amount overflows' }]);
  return {
    code: item.code,
    name: item.name,
    kind: item.kind,
    unit: item.unit,
    unitPriceFen: item.unitPriceFen,
    quantity,
    amountFen,
    payer: payerOf(order),
    rateCard: { rateCardId: card.rateCardId, version: card.version, itemCode: item.code },
  };
}

/** Rule 7: charges, completion and rating stop at cancellation; charges and completion at completion. */
function assertOpen(order: OpenOrder, what: string): void {
  if (order.status === 'cancelled' || order.status === 'completed') {
    throw new RuleViolation('ORDER_NOT_OPEN', `order ${order.orderId} is ${order.status}; ${what} is not possible`);
  }
}

/** Customers act only on their own orders; engineers only on orders dispatched to them. */
function assertParty(order: OpenOrder, actor: Actor): void {
  if (actor.role === 'customer' && actor.id !== order.customer.customerId) {
    throw new Forbidden(`customer ${actor.id} may act only on their own orders`);
  }
  if (actor.role === 'engineer' && actor.id !== order.engineerId) {
    throw new Forbidden(`engineer ${actor.id} may act only on orders dispatched to them`);
  }
}

/**
 * API.md: a line marked `payer: brand` (warranty work) is allowed while the order's product is
 * under warranty. Returns the warranty's end, which the line records.
 */
function assertUnderWarranty(order: OpenOrder, now: string, field: string): string {
  const until = order.product.warrantyUntil;
  if (!until) {
    throw new RuleViolation('NOT_UNDER_WARRANTY', `order ${order.orderId} records no warranty for its product; only warranty work is billed to the brand`, [
      { field, message: 'the product has no warranty on record (product.warrantyUntil)' },
    ]);
  }
  if (isBefore(until, now)) {
    throw new RuleViolation('NOT_UNDER_WARRANTY', `the warranty of the product of order ${order.orderId} ended at ${until}`, [
      { field, message: `the warranty ended at ${until}` },
    ]);
  }
  return until;
}

/** Quantity of `code` in the standing warranty lines of the order. */
function warrantyQuantity(order: OpenOrder, code: string): number {
  return order.lines.reduce((sum, l) => (l.warranty && !l.voided && l.code === code ? sum + l.quantity : sum), 0);
}

/**
 * A warranty line on site bills the brand only for what the latest quote marked as warranty
 * work: that item, up to the quantity marked, less the warranty lines of it already standing.
 */
function warrantyCover(order: OpenOrder, priced: PricedLine, now: string): WarrantyRef {
  const warrantyUntil = assertUnderWarranty(order, now, 'payer');
  const quote = order.quotes[order.quotes.length - 1];
  // Only lines the quote marked as warranty work: on a package the brand funds, every line is the brand's anyway.
  const marked = (quote?.lines ?? []).reduce((sum, l) => (l.warrantyWork && l.code === priced.code ? sum + l.quantity : sum), 0);
  const standing = warrantyQuantity(order, priced.code);
  if (!quote || standing + priced.quantity > marked) {
    const quoted = quote ? `quote revision ${quote.quoteRevision} marks ${marked} x ${priced.code} as warranty work` : `order ${order.orderId} has no quote`;
    throw new RuleViolation('WARRANTY_LINE_NOT_QUOTED', `${quoted}; ${standing} already recorded, ${priced.quantity} more asked`, [
      { field: 'payer', message: `brand pays only for what the latest quote marks as warranty work (${priced.code}: ${Math.max(0, marked - standing)} left)` },
    ]);
  }
  return { quoteRevision: quote.quoteRevision, warrantyUntil };
}

function line(order: OpenOrder, priced: PricedLine, now: string, payer?: LinePayer): LineData {
  const data: LineData = { ...priced, orderId: order.orderId, lineId: `L${order.lines.length + 1}` };
  if (payer === 'brand') return { ...data, payer: 'brand', warranty: warrantyCover(order, priced, now) };
  if (priced.payer === 'customer') {
    // Rule 3: the sum of customer-paid charges never exceeds the accepted quote.
    if (!order.accepted) {
      throw new RuleViolation('CHARGE_EXCEEDS_ACCEPTED_QUOTE', `the customer has accepted no quote on order ${order.orderId}; a customer-paid charge needs one`);
    }
    const after = customerChargesFen(order) + priced.amountFen;
    if (after > order.accepted.ceilingFen) {
      throw new RuleViolation(
        'CHARGE_EXCEEDS_ACCEPTED_QUOTE',
        `customer charges would reach ${after} fen, above the ${order.accepted.ceilingFen} fen of accepted quote revision ${order.accepted.quoteRevision}; the customer must accept a revised quote first`,
      );
    }
    data.consent = { ...order.accepted };
  }
  return data;
}

/**
 * A repeat visit takes the first-time-fix credit of the order it repeats (engineer scores), so it
 * must name an order that exists, for the same customer and the same kind of appliance.
 */
function assertRepeatable(data: OrderCreated['data'], original: RepeatedOrder | null | undefined): void {
  const refuse = (code: string, message: string) => new RuleViolation(code, message, [{ field: 'repeatOf', message }]);
  if (data.repeatOf === data.orderId) throw refuse('REPEAT_OF_UNKNOWN_ORDER', `order ${data.orderId} cannot repeat itself`);
  if (!original) throw refuse('REPEAT_OF_UNKNOWN_ORDER', `order ${data.repeatOf} does not exist`);
  if (original.customer.customerId !== data.customer.customerId) {
    throw refuse(
      'REPEAT_OF_OTHER_CUSTOMER',
      `order ${original.orderId} is customer ${original.customer.customerId}'s, not ${data.customer.customerId}'s; a repeat visit gives customer.customerId ${original.customer.customerId}`,
    );
  }
  if (original.product.brand !== data.product.brand || original.product.category !== data.product.category) {
    throw refuse(
      'REPEAT_OF_OTHER_APPLIANCE',
      `order ${original.orderId} serviced a ${original.product.brand} ${original.product.category}, not a ${data.product.brand} ${data.product.category}`,
    );
  }
}

function dispatchRefusal(engineerId: string, d: Dispatchability): RuleViolation {
  const details = d.reasons.map((message) => ({ field: 'engineerId', message }));
  if (d.missing.includes('registration')) return new RuleViolation('ENGINEER_NOT_FOUND', `engineer ${engineerId} is not registered`, details);
  if (d.missing.includes('suspended')) return new RuleViolation('ENGINEER_SUSPENDED', `engineer ${engineerId} is suspended`, details);
  if (d.missing.some((m) => m.startsWith('category:'))) {
    return new RuleViolation('ENGINEER_WRONG_CATEGORY', `engineer ${engineerId} does not serve this product category`, details);
  }
  return new RuleViolation('ENGINEER_NOT_VERIFIED', `engineer ${engineerId} does not hold every credential verified by two parties: ${d.missing.join(', ')}`, details);
}

export const orderDecider: Decider<OrderState, OrderCommand, OrderEvent> = {
  initialState: { status: 'none' },

  decide(command, state) {
    if (command.type === 'CreateOrder') {
      if (state.status !== 'none') throw new RuleViolation('ORDER_ALREADY_EXISTS', `order ${command.data.orderId} already exists`);
      const { appointment } = command.data;
      if (!isBefore(appointment.from, appointment.to)) {
        throw new ValidationFailed('the appointment window must end after it starts', [{ field: 'appointment.to', message: 'appointment.to must be after appointment.from' }]);
      }
      if (command.data.repeatOf !== undefined) assertRepeatable(command.data, command.repeats);
      return [{ type: 'OrderCreated', data: command.data }];
    }
    if (state.status === 'none') throw new NotFound('order', command.orderId);
    const order = state;
    const id = order.orderId;
    assertParty(order, command.actor);
    // A suspension stops the engineer's work on orders already dispatched, not only new dispatches.
    if ('engineerSuspended' in command && command.engineerSuspended) {
      throw new RuleViolation('ENGINEER_SUSPENDED', `engineer ${order.engineerId} is suspended; the work on order ${id} must be reassigned`);
    }
    switch (command.type) {
      case 'IssueQuote': {
        assertOpen(order, 'quoting');
        if (command.data.lines.length === 0) throw new ValidationFailed('a quote needs at least one line', [{ field: 'lines', message: 'lines must not be empty' }]);
        const lines = command.data.lines.map((l, i): PricedLine => {
          const priced = price(command.card, order, l.code, l.quantity, ['labor', 'part', 'consumable', 'fee']);
          if (l.payer !== 'brand') return priced;
          assertUnderWarranty(order, command.now, `lines[${i}].payer`);
          return { ...priced, payer: 'brand', warrantyWork: true };
        });
        const customerTotalFen = lines.reduce((s, l) => (l.payer === 'customer' ? s + l.amountFen : s), 0);
        const totalFen = lines.reduce((s, l) => s + l.amountFen, 0);
        return [{ type: 'QuoteIssued', data: { orderId: id, quoteRevision: order.quotes.length + 1, lines, customerTotalFen, totalFen } }];
      }
      case 'AcceptQuote': {
        assertOpen(order, 'accepting a quote');
        const quote = order.quotes.find((q) => q.quoteRevision === command.data.quoteRevision);
        if (!quote) throw new RuleViolation('QUOTE_NOT_FOUND', `order ${id} has no quote revision ${command.data.quoteRevision}`);
        const latest = order.quotes[order.quotes.length - 1]!;
        if (quote.quoteRevision !== latest.quoteRevision) {
          throw new RuleViolation('QUOTE_SUPERSEDED', `quote revision ${quote.quoteRevision} was superseded by revision ${latest.quoteRevision}`);
        }
        if (order.accepted?.quoteRevision === quote.quoteRevision) {
          throw new RuleViolation('QUOTE_ALREADY_ACCEPTED', `quote revision ${quote.quoteRevision} is already accepted`);
        }
        // Rule 3 holds for the consent itself: a revision below what the customer already owes
        // would leave standing charges above the accepted quote. Void lines first.
        const standing = customerChargesFen(order);
        if (quote.customerTotalFen < standing) {
          throw new RuleViolation(
            'QUOTE_BELOW_STANDING_CHARGES',
            `quote revision ${quote.quoteRevision} totals ${quote.customerTotalFen} fen for the customer, below the ${standing} fen of customer charges already recorded; void lines first`,
          );
        }
        return [
          {
            type: 'QuoteAccepted',
            data: { orderId: id, quoteRevision: quote.quoteRevision, customerTotalFen: quote.customerTotalFen, acceptedBy: command.actor },
          },
        ];
      }
      case 'DispatchEngineer': {
        assertOpen(order, 'dispatching');
        if (order.status === 'in_service') {
          throw new RuleViolation('ENGINEER_ALREADY_ON_SITE', `engineer ${order.engineerId} has checked in on order ${id}; it cannot be re-dispatched`);
        }
        // Rule 1: verified engineers only. Policy `record` (a platform still onboarding its
        // engineers) relaxes only the credential checks, recording what was missing: an unknown,
        // suspended or wrong-category engineer is refused under either policy.
        const d = command.engineer;
        const hardStop = d.missing.some((m) => m === 'registration' || m === 'suspended' || m.startsWith('category:'));
        if (!d.dispatchable && (command.policy === 'enforce' || hardStop)) {
          throw dispatchRefusal(command.data.engineerId, d);
        }
        return [
          {
            type: 'EngineerDispatched',
            data: {
              orderId: id,
              engineerId: command.data.engineerId,
              category: order.product.category,
              at: command.now,
              policy: command.policy,
              credentials: d.relied,
              missing: d.missing,
            },
          },
        ];
      }
      case 'CheckIn': {
        assertOpen(order, 'checking in');
        if (!order.engineerId) throw new RuleViolation('ORDER_NOT_DISPATCHED', `order ${id} has no engineer dispatched`);
        if (order.status === 'in_service') throw new RuleViolation('ALREADY_CHECKED_IN', `the engineer checked in on order ${id} at ${order.checkedInAt}`);
        const at = command.data.at ?? command.now;
        if (isBefore(command.now, at)) throw new ValidationFailed('a check-in cannot lie in the future', [{ field: 'at', message: 'at must not be later than now' }]);
        // An arrival before the dispatch would turn a late visit into an on-time one.
        if (order.dispatchedAt && isBefore(at, order.dispatchedAt)) {
          throw new ValidationFailed(`a check-in cannot precede the dispatch at ${order.dispatchedAt}`, [{ field: 'at', message: 'at must not be earlier than the dispatch' }]);
        }
        // Arrival time decides on-time arrival in the engineer's score: the engineer's own
        // check-in is timed by the server; only staff may record an earlier arrival afterwards.
        if (command.data.at !== undefined && command.actor.role === 'engineer') {
          throw new ValidationFailed('an engineer checks in now; only staff may record an arrival time afterwards', [{ field: 'at', message: 'at may not be given by the engineer' }]);
        }
        // On time means arriving before the appointment window ends.
        const late = isBefore(order.appointment.to, at);
        return [{ type: 'EngineerCheckedIn', data: { orderId: id, engineerId: order.engineerId, at, late } }];
      }
      case 'UsePart':
      case 'AddCharge': {
        assertOpen(order, 'charging');
        if (order.status !== 'in_service') throw new RuleViolation('ORDER_NOT_CHECKED_IN', `the engineer has not checked in on order ${id}`);
        const kinds = command.type === 'UsePart' ? PART_KINDS : CHARGE_KINDS;
        const data = line(order, price(command.card, order, command.data.code, command.data.quantity, kinds), command.now, command.data.payer);
        if (command.type === 'AddCharge') return [{ type: 'ChargeAdded', data }];
        const { serialNo, batchNo } = command.data;
        return [{ type: 'PartUsed', data: { ...data, ...(serialNo ? { serialNo } : {}), ...(batchNo ? { batchNo } : {}) } }];
      }
      case 'VoidLine': {
        const target = order.lines.find((l) => l.lineId === command.data.lineId);
        if (!target) throw new NotFound('line', `${id}/${command.data.lineId}`);
        if (target.voided) throw new RuleViolation('LINE_ALREADY_VOIDED', `line ${target.lineId} was already voided: ${target.voided.reason}`);
        return [
          { type: 'LineVoided', data: { orderId: id, lineId: target.lineId, reason: command.data.reason, amountFen: target.amountFen, payer: target.payer } },
        ];
      }
      case 'CompleteOrder': {
        assertOpen(order, 'completion');
        if (order.status !== 'in_service') throw new RuleViolation('ORDER_NOT_CHECKED_IN', `the engineer has not checked in on order ${id}`);
        const data = { orderId: id, engineerId: order.engineerId!, outcome: command.data.outcome, ...(command.data.notes ? { notes: command.data.notes } : {}) };
        return [{ type: 'OrderCompleted', data }];
      }
      case 'RecordPayment': {
        if (order.status === 'cancelled') throw new RuleViolation('ORDER_NOT_OPEN', `order ${id} is cancelled; payments are not taken`);
        positiveFen(command.data.amountFen, 'amountFen');
        const netAfter = order.paidFen - order.refundedFen + command.data.amountFen;
        if (order.package) {
          // Rule 4 (一价全包): the customer pays the package price once and nothing beyond it.
          if (netAfter > order.package.priceFen) {
            throw new RuleViolation(
              'PACKAGE_NO_EXTRA_CUSTOMER_CHARGE',
              `order ${id} is an all-inclusive package at ${order.package.priceFen} fen; the customer would pay ${netAfter} fen`,
            );
          }
        } else {
          const dueFen = customerPayableFen(order);
          if (netAfter > dueFen) {
            throw new RuleViolation('PAYMENT_EXCEEDS_AMOUNT_DUE', `payments would reach ${netAfter} fen; the customer owes at most ${dueFen} fen`);
          }
        }
        return [{ type: 'PaymentRecorded', data: { orderId: id, paymentId: `P${order.payments + 1}`, ...command.data } }];
      }
      case 'RecordRefund': {
        positiveFen(command.data.amountFen, 'amountFen');
        // Rule 5: refunds never exceed the payments received.
        if (order.refundedFen + command.data.amountFen > order.paidFen) {
          throw new RuleViolation(
            'REFUND_EXCEEDS_PAYMENTS',
            `refunds would reach ${order.refundedFen + command.data.amountFen} fen; payments received are ${order.paidFen} fen`,
          );
        }
        return [{ type: 'RefundRecorded', data: { orderId: id, refundId: `R${order.refunds + 1}`, ...command.data } }];
      }
      case 'RateOrder': {
        if (order.status === 'cancelled') throw new RuleViolation('ORDER_NOT_OPEN', `order ${id} is cancelled; it cannot be rated`);
        if (order.status !== 'completed') throw new RuleViolation('ORDER_NOT_COMPLETED', `order ${id} is not completed yet`);
        // Rule 7: one rating per order.
        if (order.rating) throw new RuleViolation('ALREADY_RATED', `order ${id} was already rated ${order.rating.stars} stars`);
        const data = { orderId: id, stars: command.data.stars, ...(order.engineerId ? { engineerId: order.engineerId } : {}), ...(command.data.comment ? { comment: command.data.comment } : {}) };
        return [{ type: 'OrderRated', data }];
      }
      case 'CancelOrder':
        assertOpen(order, 'cancellation');
        return [{ type: 'OrderCancelled', data: { orderId: id, reason: command.data.reason } }];
      case 'LinkComplaint':
        if (order.complaints.includes(command.data.complaintId)) return [];
        return [{ type: 'ComplaintLinked', data: { orderId: id, ...command.data } }];
      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    if (event.type === 'OrderCreated') {
      return { ...event.data, status: 'created', quotes: [], lines: [], paidFen: 0, refundedFen: 0, payments: 0, refunds: 0, complaints: [] };
    }
    if (state.status === 'none') return state;
    switch (event.type) {
      case 'QuoteIssued': {
        const { orderId: _, ...quote } = event.data;
        return { ...state, quotes: [...state.quotes, quote] };
      }
      case 'QuoteAccepted':
        return { ...state, accepted: { quoteRevision: event.data.quoteRevision, ceilingFen: event.data.customerTotalFen } };
      case 'EngineerDispatched':
        return { ...state, status: 'dispatched', engineerId: event.data.engineerId, dispatchedAt: event.data.at };
      case 'EngineerCheckedIn':
        return { ...state, status: 'in_service', checkedInAt: event.data.at, late: event.data.late };
      case 'PartUsed':
      case 'ChargeAdded':
        return { ...state, lines: [...state.lines, { ...event.data, source: event.type }] };
      case 'LineVoided':
        return { ...state, lines: state.lines.map((l) => (l.lineId === event.data.lineId ? { ...l, voided: { reason: event.data.reason } } : l)) };
      case 'OrderCompleted':
        return { ...state, status: 'completed', outcome: event.data.outcome };
      case 'PaymentRecorded':
        return { ...state, paidFen: state.paidFen + event.data.amountFen, payments: state.payments + 1 };
      case 'RefundRecorded':
        return { ...state, refundedFen: state.refundedFen + event.data.amountFen, refunds: state.refunds + 1 };
      case 'OrderRated':
        return { ...state, rating: { stars: event.data.stars, ...(event.data.comment ? { comment: event.data.comment } : {}) } };
      case 'OrderCancelled':
        return { ...state, status: 'cancelled', cancelReason: event.data.reason };
      case 'ComplaintLinked':
        return { ...state, complaints: [...state.complaints, event.data.complaintId] };
      default:
        return assertNever(event);
    }
  },
};
