import { complaintStream } from '../../complaints/domain/complaint.events.js';
import { type Actor, envelopeToJson, type RecordedEvent } from '../../event-store/envelope.js';
import type { EventStore } from '../../event-store/event-store.port.js';
import { toDomainEvent } from '../../event-store/handle-command.js';
import { fold } from '../../shared/decider.js';
import { Forbidden, NotFound } from '../../shared/domain-error.js';
import { isAtOrBefore } from '../../shared/time.js';
import { chargeTrail, type TrailEntry, type TrailTotals } from '../domain/charge-trail.js';
import { orderDecider, type OpenOrder, type OrderState } from '../domain/order.decider.js';
import { type OrderEvent, orderStream } from '../domain/order.events.js';
import { timeline, type TimelineEntry } from '../domain/timeline.js';

/** An existing order as its stream says, with the events it was folded from. */
export interface OrderRecord {
  orderId: string;
  state: OpenOrder;
  events: RecordedEvent[];
}

/** The answer of GET /orders/:id/history. */
export interface OrderHistory {
  orderId: string;
  asOf: string | null;
  events: Record<string, unknown>[];
  /** The state folded from those events; null when the order did not exist yet at asOf. */
  state: OrderState | null;
}

/** The answer of GET /orders/:id/charge-trail. */
export interface OrderChargeTrail {
  orderId: string;
  entries: TrailEntry[];
  totals: TrailTotals | null;
}

/** Keeps the events recorded at or before `asOf` (all of them without one). */
const upTo = (events: RecordedEvent[], asOf?: string) => (asOf ? events.filter((e) => isAtOrBefore(e.recordedAt, asOf)) : events);

/**
 * The reading side of an order's record, straight from its streams: the state, the history as of
 * an instant, the charge trail and the timeline. The HTTP routes, the evidence bundle and the CLI
 * all read through it, so they show the same record. It reads only the order's own stream and
 * those of its complaints, never $all.
 */
export class OrderReader {
  constructor(private readonly store: Pick<EventStore, 'readStream'>) {}

  /** The order, or 404 when it does not exist. */
  async load(orderId: string): Promise<OrderRecord> {
    const events = await this.store.readStream(orderStream(orderId));
    const state = fold(orderDecider, events.map((e) => toDomainEvent<OrderEvent>(e)));
    if (state.status === 'none') throw new NotFound('order', orderId);
    return { orderId, state, events };
  }

  /** The order for this reader: customers and engineers read only their own. */
  async readable(orderId: string, actor: Actor): Promise<OrderRecord> {
    const order = await this.load(orderId);
    const { state } = order;
    if (actor.role === 'customer' && state.customer.customerId !== actor.id) throw new Forbidden(`customer ${actor.id} may read only their own orders`);
    if (actor.role === 'engineer' && state.engineerId !== actor.id) throw new Forbidden(`engineer ${actor.id} may read only orders dispatched to them`);
    return order;
  }

  /** Every event of the order up to `asOf` (default: all), with envelopes, and the state as of then. */
  history(order: OrderRecord, asOf?: string): OrderHistory {
    const events = upTo(order.events, asOf);
    // Without asOf the state is the one load() folded already.
    const state = asOf ? fold(orderDecider, events.map((e) => toDomainEvent<OrderEvent>(e))) : order.state;
    return { orderId: order.orderId, asOf: asOf ?? null, events: events.map(envelopeToJson), state: state.status === 'none' ? null : state };
  }

  /** The streams of the order's complaints (in the order they were linked), each with its events. */
  async complaintStreams(order: OrderRecord): Promise<{ stream: string; events: RecordedEvent[] }[]> {
    return Promise.all(
      order.state.complaints.map(async (complaintId) => {
        const stream = complaintStream(complaintId);
        return { stream, events: await this.store.readStream(stream) };
      }),
    );
  }

  chargeTrail(order: OrderRecord, complaints: { events: RecordedEvent[] }[]): OrderChargeTrail {
    const entries = chargeTrail(order.events, complaints.flatMap((c) => c.events));
    return { orderId: order.orderId, entries, totals: entries[entries.length - 1]?.totals ?? null };
  }

  /** The order's and its complaints' events up to `asOf`, in global order, with key facts and running money. */
  timeline(order: OrderRecord, complaints: { events: RecordedEvent[] }[], asOf?: string): TimelineEntry[] {
    return timeline(upTo(order.events, asOf), upTo(complaints.flatMap((c) => c.events), asOf));
  }
}
