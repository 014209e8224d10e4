import { byPosition, type RecordedEvent } from '../../event-store/envelope.js';
import type { Payer } from './order.events.js';
import { MONEY_EVENTS } from './order.events.js';

/** Running money of an order after one trail entry, per payer, in fen. */
export interface TrailTotals {
  /** Standing (not voided) charges per payer. */
  chargesFen: Record<Payer, number>;
  paidFen: number;
  refundedFen: number;
  compensatedFen: number;
  /**
   * What the customer still owes (negative: in credit): the package price on a package order,
   * else the customer charges, less net payments. A cancelled order owes nothing: what was paid
   * and not refunded is the customer's credit.
   */
  customerBalanceFen: number;
  /** The consent ceiling in force (accepted quote's customer total), if any. */
  consentCeilingFen: number | null;
}

export interface TrailEntry {
  position: string;
  stream: string;
  revision: number;
  eventId: string;
  type: string;
  recordedAt: string;
  actor: { id: string; role: string };
  reason?: string;
  data: unknown;
  totals: TrailTotals;
}

/**
 * The charge trail of one order: every money event of the order (quotes, consent, parts,
 * charges, voids, payments, refunds, the cancellation) and the advance compensation of its complaints, in global
 * order, each with the totals after it. Amounts are taken as recorded; nothing is re-priced.
 */
export function chargeTrail(orderEvents: RecordedEvent[], complaintEvents: RecordedEvent[]): TrailEntry[] {
  const money = [...orderEvents.filter((e) => MONEY_EVENTS.has(e.type)), ...complaintEvents.filter((e) => e.type === 'CompensationPaid')];
  money.sort(byPosition);
  const charges: Record<Payer, number> = { customer: 0, brand: 0, platform: 0 };
  const lineAmounts = new Map<string, { amountFen: number; payer: Payer }>();
  let paidFen = 0;
  let refundedFen = 0;
  let compensatedFen = 0;
  let consentCeilingFen: number | null = null;
  let cancelled = false;
  const created = orderEvents.find((e) => e.type === 'OrderCreated')?.data as { package?: { priceFen: number } } | undefined;
  const packagePriceFen = created?.package?.priceFen;
  return money.map((event) => {
    const d = event.data as Record<string, unknown>;
    switch (event.type) {
      case 'QuoteAccepted':
        consentCeilingFen = d.customerTotalFen as number;
        break;
      case 'PartUsed':
      case 'ChargeAdded': {
        const payer = d.payer as Payer;
        charges[payer] += d.amountFen as number;
        lineAmounts.set(d.lineId as string, { amountFen: d.amountFen as number, payer });
        break;
      }
      case 'LineVoided': {
        const line = lineAmounts.get(d.lineId as string);
        if (line) charges[line.payer] -= line.amountFen;
        break;
      }
      case 'PaymentRecorded':
        paidFen += d.amountFen as number;
        break;
      case 'RefundRecorded':
        refundedFen += d.amountFen as number;
        break;
      case 'CompensationPaid':
        compensatedFen += d.amountFen as number;
        break;
      case 'OrderCancelled':
        cancelled = true;
        break;
    }
    const entry: TrailEntry = {
      position: event.position.toString(),
      stream: event.stream,
      revision: event.revision,
      eventId: event.eventId,
      type: event.type,
      recordedAt: event.recordedAt,
      actor: event.metadata.actor,
      data: event.data,
      totals: {
        chargesFen: { ...charges },
        paidFen,
        refundedFen,
        compensatedFen,
        customerBalanceFen: (cancelled ? 0 : (packagePriceFen ?? charges.customer)) - (paidFen - refundedFen),
        consentCeilingFen,
      },
    };
    if (event.metadata.reason) entry.reason = event.metadata.reason;
    return entry;
  });
}
