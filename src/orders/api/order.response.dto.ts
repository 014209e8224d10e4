import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { StreamPositionDoc } from '../../http/command-response.js';
import { PAYERS, SERVICE_TYPES } from '../domain/order.events.js';

/** OpenAPI descriptions of what the order reads answer (GET /orders/:id, /history, /charge-trail). */

class ActorDoc {
  @ApiProperty({ example: 'demo-agent' })
  id!: string;
  @ApiProperty({ example: 'agent' })
  role!: string;
}

export class EventEnvelopeDoc {
  @ApiProperty({ description: 'UUID derived from the command id and the event index: a retried command gives the same ids' })
  eventId!: string;
  @ApiProperty({ example: 'PartUsed' })
  type!: string;
  @ApiProperty({ example: 1 })
  schemaVersion!: number;
  @ApiProperty({ example: 'order-ord-1001' })
  stream!: string;
  @ApiProperty({ description: "The event's revision in its stream, from 0" })
  revision!: number;
  @ApiProperty({ description: 'Global position (decimal string)' })
  position!: string;
  @ApiProperty({ format: 'date-time' })
  recordedAt!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: "The event's payload (see the README's event catalogue)" })
  data!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'actor {id, role}, commandId, correlationId, causationId, reason?' })
  metadata!: Record<string, unknown>;
  @ApiProperty({ description: 'Hash of the previous event of the stream (hash chain)' })
  prevHash!: string;
  @ApiProperty({ description: 'SHA-256 over the canonical JSON of the event and prevHash' })
  hash!: string;
}

export class OrderStateDoc {
  @ApiProperty()
  orderId!: string;
  @ApiProperty({ enum: ['created', 'dispatched', 'in_service', 'completed', 'cancelled'] })
  status!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'customerId, name, phone, city, address' })
  customer!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'brand, category, model, serialNo?, warrantyUntil?' })
  product!: Record<string, unknown>;
  @ApiProperty({ enum: SERVICE_TYPES })
  serviceType!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'from, to' })
  appointment!: Record<string, unknown>;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'code, priceFen, fundedBy (一价全包)' })
  package?: Record<string, unknown>;
  @ApiPropertyOptional()
  repeatOf?: string;
  @ApiProperty({ type: 'array', items: { type: 'object' }, description: 'Every quote revision: quoteRevision, lines (priced from the rate card), customerTotalFen, totalFen' })
  quotes!: unknown[];
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'The consent in force: quoteRevision, ceilingFen' })
  accepted?: Record<string, unknown>;
  @ApiPropertyOptional()
  engineerId?: string;
  @ApiProperty({
    type: 'array',
    items: { type: 'object' },
    description: 'Parts and charges: lineId, code, quantity, unitPriceFen, amountFen, payer, rateCard, consent? or warranty?, voided? {reason}',
  })
  lines!: unknown[];
  @ApiProperty()
  paidFen!: number;
  @ApiProperty()
  refundedFen!: number;
  @ApiProperty({ type: [String], description: 'Ids of the complaints filed about the order' })
  complaints!: string[];
}

/** GET /orders/:id: the order now, and where its stream stands. */
export class CurrentOrderDoc extends IntersectionType(OrderStateDoc, StreamPositionDoc) {}

export class OrderHistoryDoc {
  @ApiProperty()
  orderId!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time', description: 'The instant asked for, normalised; null for the whole history' })
  asOf!: string | null;
  @ApiProperty({ type: [EventEnvelopeDoc] })
  events!: EventEnvelopeDoc[];
  @ApiProperty({ type: OrderStateDoc, nullable: true, description: 'The order folded from those events; null when it did not exist yet' })
  state!: OrderStateDoc | null;
}

class ChargesPerPayerDoc {
  @ApiProperty()
  customer!: number;
  @ApiProperty()
  brand!: number;
  @ApiProperty()
  platform!: number;
}

export class TrailTotalsDoc {
  @ApiProperty({ type: ChargesPerPayerDoc, description: `Standing (not voided) charges per payer (${PAYERS.join(', ')}), in fen` })
  chargesFen!: ChargesPerPayerDoc;
  @ApiProperty()
  paidFen!: number;
  @ApiProperty()
  refundedFen!: number;
  @ApiProperty()
  compensatedFen!: number;
  @ApiProperty({ description: 'What the customer still owes (negative: in credit); 0 owed once cancelled' })
  customerBalanceFen!: number;
  @ApiProperty({ nullable: true, type: Number, description: "The accepted quote's customer total, if any" })
  consentCeilingFen!: number | null;
}

export class TrailEntryDoc {
  @ApiProperty()
  position!: string;
  @ApiProperty()
  stream!: string;
  @ApiProperty()
  revision!: number;
  @ApiProperty()
  eventId!: string;
  @ApiProperty({ example: 'ChargeAdded' })
  type!: string;
  @ApiProperty({ format: 'date-time' })
  recordedAt!: string;
  @ApiProperty({ type: ActorDoc })
  actor!: ActorDoc;
  @ApiPropertyOptional()
  reason?: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: "The event's payload as recorded: rate-card reference, consent or warranty, amounts" })
  data!: Record<string, unknown>;
  @ApiProperty({ type: TrailTotalsDoc, description: 'Running money after this entry' })
  totals!: TrailTotalsDoc;
}

export class ChargeTrailDoc {
  @ApiProperty()
  orderId!: string;
  @ApiProperty({ type: [TrailEntryDoc] })
  entries!: TrailEntryDoc[];
  @ApiProperty({ type: TrailTotalsDoc, nullable: true, description: 'The totals after the last entry; null without money events' })
  totals!: TrailTotalsDoc | null;
}
