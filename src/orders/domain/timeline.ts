import { byPosition, type RecordedEvent } from '../../event-store/envelope.js';
import { chargeTrail, type TrailTotals } from './charge-trail.js';

/** One event of an order's life as a compliance officer reads it. */
export interface TimelineEntry {
  recordedAt: string;
  position: string;
  stream: string;
  revision: number;
  eventId: string;
  type: string;
  actor: { id: string; role: string };
  reason?: string;
  /** The event's key facts in one line (ids, codes, quantities, amounts in fen). */
  facts: string;
  /** Whether the event moved or promised money (it is on the charge trail). */
  money: boolean;
  /** Running money per payer after this event (the charge trail's totals); null before the first money event. */
  totals: TrailTotals | null;
}

/**
 * The order's events and its complaints' events in global order, each with its key facts and the
 * money per payer as it stood after it. The totals are the charge trail's, so the timeline and
 * the trail never disagree.
 */
export function timeline(orderEvents: RecordedEvent[], complaintEvents: RecordedEvent[]): TimelineEntry[] {
  const totalsAfter = new Map(chargeTrail(orderEvents, complaintEvents).map((e) => [e.eventId, e.totals]));
  const events = [...orderEvents, ...complaintEvents].sort(byPosition);
  let totals: TrailTotals | null = null;
  return events.map((event) => {
    const after = totalsAfter.get(event.eventId);
    if (after) totals = after;
    const entry: TimelineEntry = {
      recordedAt: event.recordedAt,
      position: event.position.toString(),
      stream: event.stream,
      revision: event.revision,
      eventId: event.eventId,
      type: event.type,
      actor: event.metadata.actor,
      facts: keyFacts(event.type, event.data as Record<string, any>),
      money: after !== undefined,
      totals,
    };
    if (event.metadata.reason) entry.reason = event.metadata.reason;
    return entry;
  });
}

const line = (l: { lineId?: string; code: string; quantity: number; amountFen: number; payer: string; rateCard?: { rateCardId: string; version: number } }) =>
  `${l.lineId ? `${l.lineId} ` : ''}${l.code} x${l.quantity} = ${l.amountFen} fen (${l.payer}${l.rateCard ? `, card ${l.rateCard.rateCardId} v${l.rateCard.version}` : ''})`;

/** The facts of one event that a reader needs first; the full payload stays in the envelope. */
export function keyFacts(type: string, d: Record<string, any>): string {
  switch (type) {
    case 'OrderCreated':
      return (
        `${d.serviceType} of ${d.product.brand} ${d.product.category} ${d.product.model} for customer ${d.customer.customerId} in ${d.customer.city}; ` +
        `appointment ${d.appointment.from} to ${d.appointment.to}` +
        (d.package ? `; package ${d.package.code} ${d.package.priceFen} fen funded by ${d.package.fundedBy}` : '') +
        (d.repeatOf ? `; repeat visit of ${d.repeatOf}` : '')
      );
    case 'QuoteIssued':
      return `quote r${d.quoteRevision}: ${(d.lines as any[]).map(line).join('; ')}; customer total ${d.customerTotalFen} fen, total ${d.totalFen} fen`;
    case 'QuoteAccepted':
      return `quote r${d.quoteRevision} accepted by ${d.acceptedBy.id} (${d.acceptedBy.role}): consent up to ${d.customerTotalFen} fen`;
    case 'EngineerDispatched':
      return (
        `engineer ${d.engineerId} (${d.category}), policy ${d.policy}, relied on ` +
        (d.credentials as any[])
          .map((c) => `${c.kind}${c.category ? `:${c.category}` : ''} [${(c.verifications as any[]).map((v) => `${v.verifiedBy} ${v.certificateNo}`).join(', ')}]`)
          .join(', ') +
        ((d.missing as string[]).length > 0 ? `; missing ${(d.missing as string[]).join(', ')}` : '')
      );
    case 'EngineerCheckedIn':
      return `engineer ${d.engineerId} on site at ${d.at}${d.late ? ' (late)' : ''}`;
    case 'PartUsed':
    case 'ChargeAdded':
      return (
        line(d as any) +
        (d.consent ? `, consent r${d.consent.quoteRevision} up to ${d.consent.ceilingFen} fen` : '') +
        (d.warranty ? `, warranty work marked in r${d.warranty.quoteRevision}, warranty until ${d.warranty.warrantyUntil}` : '') +
        (d.serialNo ? `, serial ${d.serialNo}` : '') +
        (d.batchNo ? `, batch ${d.batchNo}` : '')
      );
    case 'LineVoided':
      return `${d.lineId} voided: ${d.amountFen} fen (${d.payer}); ${d.reason}`;
    case 'OrderCompleted':
      return `completed by ${d.engineerId}: ${d.outcome}${d.notes ? `; ${d.notes}` : ''}`;
    case 'PaymentRecorded':
      return `payment ${d.paymentId}: ${d.amountFen} fen by ${d.method}, ref ${d.reference}`;
    case 'RefundRecorded':
      return `refund ${d.refundId}: ${d.amountFen} fen; ${d.reason}`;
    case 'OrderRated':
      return `${d.stars} stars${d.comment ? `: ${d.comment}` : ''}`;
    case 'OrderCancelled':
      return `cancelled: ${d.reason}`;
    case 'ComplaintLinked':
      return `complaint ${d.complaintId} (${d.category})`;
    case 'ComplaintFiled':
      return `complaint ${d.complaintId} (${d.category}) filed by ${d.filedBy.id} (${d.filedBy.role})${d.claimedFen !== undefined ? `, claims ${d.claimedFen} fen` : ''}; owner ${d.owner ?? 'none'}; ${d.description}`;
    case 'ComplaintAcknowledged':
      return `complaint ${d.complaintId} acknowledged; owner ${d.owner}`;
    case 'ComplaintTransferred':
      return `complaint ${d.complaintId} from ${d.fromOwner ?? 'none'} to ${d.toOwner}: ${d.reason}`;
    case 'CompensationPaid':
      return `compensation ${d.compensationId} on ${d.complaintId}: ${d.amountFen} fen approved by ${d.approvedBy.id} (${d.approvedBy.role}), threshold ${d.thresholdFen} fen; ${d.reason}`;
    case 'ComplaintEscalated':
      return `complaint ${d.complaintId} escalated: ${d.reason}`;
    case 'ComplaintResolved':
      return `complaint ${d.complaintId} resolved ${d.outcome}, liable ${d.liableParty}${d.notes ? `; ${d.notes}` : ''}`;
    case 'ComplaintReopened':
      return `complaint ${d.complaintId} reopened: ${d.reason}`;
    default:
      return '';
  }
}
