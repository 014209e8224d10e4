import type { ProjectedEvent } from '../../projections/projection.js';
import type { ComplaintEvent, ComplaintOrderFacts } from '../../src/complaints/domain/complaint.events.js';
import type { EngineerEvent } from '../../src/engineers/domain/engineer.events.js';
import type { Actor } from '../../src/event-store/envelope.js';
import type { ConsentRef, LineData, OrderCreated, OrderEvent, Payer } from '../../src/orders/domain/order.events.js';
import type { RateCardItem } from '../../src/rate-cards/domain/rate-card.events.js';

/**
 * Projected-event fixtures: a history with fixed times and ids. Positions count up from 1 in the
 * order events are added, each stream's revisions from 0; an event is recorded at the time given,
 * or at the time of the event before it. Amounts are never computed here: tests state them.
 */

type AnyEvent = OrderEvent | ComplaintEvent | EngineerEvent;
export type EventType = AnyEvent['type'];
export type DataOf<T extends EventType> = Extract<AnyEvent, { type: T }>['data'];

const ENGINEER_EVENTS: readonly string[] = ['EngineerRegistered', 'CredentialVerified', 'CredentialRevoked', 'EngineerSuspended', 'EngineerReinstated'];
const COMPLAINT_EVENTS: readonly string[] = [
  'ComplaintFiled',
  'ComplaintAcknowledged',
  'ComplaintTransferred',
  'CompensationPaid',
  'ComplaintEscalated',
  'ComplaintResolved',
  'ComplaintReopened',
];

export const agent: Actor = { id: 'agent-1', role: 'agent' };
export const customer: Actor = { id: 'cust-1', role: 'customer' };

export class History {
  readonly events: ProjectedEvent[] = [];
  private readonly revisions = new Map<string, number>();

  constructor(private now: string) {}

  add<T extends EventType>(type: T, data: DataOf<T>, at: string = this.now, actor: Actor = agent): ProjectedEvent {
    this.now = at;
    const d = data as unknown as Record<string, string>;
    const stream = ENGINEER_EVENTS.includes(type)
      ? `engineer-${d.engineerId}`
      : COMPLAINT_EVENTS.includes(type)
        ? `complaint-${d.complaintId}`
        : `order-${d.orderId}`;
    const revision = this.revisions.get(stream) ?? 0;
    this.revisions.set(stream, revision + 1);
    const position = String(this.events.length + 1);
    const event: ProjectedEvent = {
      type,
      schemaVersion: 1,
      stream,
      revision,
      position,
      recordedAt: at,
      eventId: `evt-${position}`,
      actor: { id: actor.id, role: actor.role },
      data,
    };
    this.events.push(event);
    return event;
  }
}

// Orders ---------------------------------------------------------------------------------------

export function orderCreated(orderId: string, extra: Partial<OrderCreated['data']> = {}): OrderCreated['data'] {
  return {
    orderId,
    customer: { customerId: 'cust-1', name: '李女士', phone: '13900139000', city: 'shanghai', address: '世纪大道 100 号' },
    product: { brand: 'midea', category: 'air_conditioner', model: 'KFR-35GW' },
    serviceType: 'repair',
    appointment: { from: '2026-05-04T10:00:00.000Z', to: '2026-05-04T12:00:00.000Z' },
    ...extra,
  };
}

export const ITEMS = {
  diag: { code: 'LAB-DIAG', name: '上门检测', kind: 'labor', unit: 'visit', unitPriceFen: 5000 },
  visit: { code: 'FEE-VISIT', name: '上门费', kind: 'fee', unit: 'visit', unitPriceFen: 2000 },
  capacitor: { code: 'CAP-35UF', name: '启动电容 35μF', kind: 'part', unit: 'piece', unitPriceFen: 4500 },
  gas: { code: 'GAS-R32', name: 'R32 冷媒', kind: 'consumable', unit: '100g', unitPriceFen: 3000 },
} satisfies Record<string, RateCardItem>;

/** A recorded line: the amount is stated by the test, as the decider would have computed it. */
export function line(
  orderId: string,
  lineId: string,
  item: RateCardItem,
  quantity: number,
  amountFen: number,
  payer: Payer,
  consent?: ConsentRef,
): LineData {
  return {
    orderId,
    lineId,
    code: item.code,
    name: item.name,
    kind: item.kind,
    unit: item.unit,
    unitPriceFen: item.unitPriceFen,
    quantity,
    amountFen,
    payer,
    rateCard: { rateCardId: 'midea.air_conditioner.ALL', version: 3, itemCode: item.code },
    ...(consent ? { consent } : {}),
  };
}

// Complaints -----------------------------------------------------------------------------------

export const complaintOrder = (engineerId?: string): ComplaintOrderFacts => ({
  customerId: 'cust-1',
  brand: 'midea',
  productCategory: 'air_conditioner',
  city: 'shanghai',
  ...(engineerId ? { engineerId } : {}),
});
