import type { CompensationPaid } from '../src/complaints/domain/complaint.events.js';
import type {
  EngineerDispatched,
  LineData,
  LineVoided,
  OrderCreated,
  OrderRated,
  Payer,
  PaymentRecorded,
  QuoteAccepted,
  QuoteIssued,
  RefundRecorded,
} from '../src/orders/domain/order.events.js';
import { PAYERS } from '../src/orders/domain/order.events.js';
import type { Cell, ProjectedEvent, Projection, Row, RowChange, TableSpec } from './projection.js';
import { change, keyOf, recordedAt } from './row-change.js';
import { ProjectionError } from './projection.js';

/**
 * The electronic bill (电子账单, DESIGN "Projections"): per order, every part and charge line with
 * the rate-card price it came from, voided lines marked, totals per payer, the package price,
 * payments, refunds, advance compensation and the balance the customer still owes, and a flag for
 * any rule breach the history shows.
 *
 * Amounts are integer fen and are taken as recorded: a line's amount was computed once in the
 * order decider, and a void carries the amount and payer of the line it voids, so the totals move
 * without reading the line row (a projection names the rows it changes; see RowChange).
 *
 * Rows that do not exist are never invented: every order event follows its OrderCreated (same
 * stream), and a complaint is filed, and compensated, only against an existing order, so in a real
 * history the bill row is always there. Should one be missing (a partial or hand-made history),
 * the event leaves the bill absent rather than creating a row with made-up customer facts.
 */

const NAME = 'bills';

/** Bill status: where the order stands in its life, as the order events show it. */
export const BILL_STATUSES = ['open', 'quoted', 'accepted', 'dispatched', 'in_service', 'completed', 'cancelled'] as const;
export type BillStatus = (typeof BILL_STATUSES)[number];

/** Rule breaches a bill can show, in the (sorted) order they are listed. */
export const BILL_BREACHES = ['customer_charges_exceed_consent', 'package_customer_charge', 'refunds_exceed_payments'] as const;
export type BillBreach = (typeof BILL_BREACHES)[number];

const ROW_META = [
  { name: 'last_position', type: 'text', description: 'Global event position (decimal) of the last event that changed this row.' },
  { name: 'updated_at', type: 'timestamp', description: 'When the last event that changed this row was recorded (ISO-8601 UTC).' },
] as const satisfies TableSpec['columns'];

export const BILLS_TABLE: TableSpec = {
  name: 'bills',
  description:
    'One row per service order: the electronic bill (电子账单). Who the customer is, what was serviced, the quote the customer consented to, the standing charges per payer, payments, refunds, advance compensation, what the customer still owes, and any rule breach found in the history. Amounts are integer fen (1 yuan = 100 fen).',
  columns: [
    { name: 'order_id', type: 'text', description: 'The service order.' },
    { name: 'customer_id', type: 'text', description: 'The customer who booked the order.' },
    { name: 'customer_name', type: 'text', description: "Customer's name as booked (masked for analysts by the query API)." },
    { name: 'customer_phone', type: 'text', description: "Customer's phone as booked (masked for analysts by the query API)." },
    { name: 'customer_address', type: 'text', description: 'Service address as booked.' },
    { name: 'city', type: 'text', description: 'City of the service address (lower-case slug, e.g. shanghai).' },
    { name: 'brand', type: 'text', description: 'Brand of the appliance serviced.' },
    { name: 'category', type: 'text', description: 'Product category of the appliance (e.g. air_conditioner).' },
    { name: 'model', type: 'text', description: 'Model of the appliance.' },
    { name: 'service_type', type: 'text', description: 'install, repair, clean, maintain, inspect or trade_in.' },
    {
      name: 'status',
      type: 'text',
      description:
        "Where the order stands: open (booked, no quote yet), quoted (a quote revision awaits the customer's consent), accepted (the latest quote is accepted), dispatched (an engineer is assigned), in_service (the engineer checked in), completed, cancelled. It only moves forward through the order's life: quotes issued or accepted after the dispatch do not move it back; completed and cancelled are final.",
    },
    { name: 'created_at', type: 'timestamp', description: 'When the order was booked (recorded time of OrderCreated).' },
    { name: 'completed_at', type: 'timestamp', nullable: true, description: 'When the order was completed; null until then.' },
    { name: 'cancelled_at', type: 'timestamp', nullable: true, description: 'When the order was cancelled; null unless cancelled.' },
    { name: 'engineer_id', type: 'text', nullable: true, description: 'The engineer of the latest dispatch; null until dispatched.' },
    { name: 'package_code', type: 'text', nullable: true, description: 'The all-inclusive package (一价全包) booked, if any; null for an ordinary order.' },
    { name: 'package_price_fen', type: 'integer', nullable: true, description: 'Package price in fen: all the customer pays on a package order. Null for an ordinary order.' },
    { name: 'package_funder', type: 'text', nullable: true, description: 'Who bears every line of a package order: brand or platform. Null for an ordinary order.' },
    { name: 'quote_revision', type: 'integer', nullable: true, description: 'Latest quote revision issued (1, 2, ...); null when no quote was issued.' },
    { name: 'accepted_quote_revision', type: 'integer', nullable: true, description: 'Quote revision the customer accepted last; null without consent.' },
    {
      name: 'consent_ceiling_fen',
      type: 'integer',
      nullable: true,
      description: "Customer's consent in fen: the customer total of the accepted quote. Customer-paid charges may add up to this much. Null without consent.",
    },
    { name: 'customer_charges_fen', type: 'integer', description: 'Sum in fen of the standing (not voided) lines the customer pays.' },
    { name: 'brand_charges_fen', type: 'integer', description: 'Sum in fen of the standing (not voided) lines the brand pays (warranty work, and package orders funded by the brand).' },
    { name: 'platform_charges_fen', type: 'integer', description: 'Sum in fen of the standing (not voided) lines the platform pays (package orders funded by the platform).' },
    { name: 'voided_fen', type: 'integer', description: 'Sum in fen of the voided lines, whoever would have paid them.' },
    { name: 'line_count', type: 'integer', description: 'Number of part and charge lines recorded, voided ones included.' },
    { name: 'voided_line_count', type: 'integer', description: 'Number of those lines that were voided.' },
    { name: 'paid_fen', type: 'integer', description: 'Payments received from the customer, in fen.' },
    { name: 'refunded_fen', type: 'integer', description: 'Refunds paid back to the customer, in fen.' },
    {
      name: 'compensated_fen',
      type: 'integer',
      description: 'Advance compensation (先行赔付) paid on complaints about this order, in fen. Not part of the balance: it is paid on top.',
    },
    { name: 'customer_due_fen', type: 'integer', description: 'What the customer owes in total, in fen: the package price on a package order, else the standing customer charges; 0 once the order is cancelled.' },
    {
      name: 'balance_due_fen',
      type: 'integer',
      description: 'What the customer still owes in fen: customer_due_fen − (paid_fen − refunded_fen). Negative when the customer is in credit.',
    },
    { name: 'rating_stars', type: 'integer', nullable: true, description: "Customer's rating of the order, 1-5 stars; null until rated." },
    {
      name: 'breaches',
      type: 'text',
      description:
        "Rule breaches found in the order's history, comma-separated and sorted; '' when none. customer_charges_exceed_consent: on an ordinary order the customer's standing charges exceeded the accepted quote, or a customer-paid line was recorded without consent (DESIGN rule 3). package_customer_charge: a customer-paid line on a package order (rule 4). refunds_exceed_payments: refunds above the payments received (rule 5). A breach stays listed once found, even if a later void or consent brought the numbers back in line.",
    },
    ...ROW_META,
  ],
  primaryKey: ['order_id'],
  indexes: [['brand', 'created_at'], ['city', 'created_at'], ['created_at'], ['customer_id']],
};

export const BILL_LINES_TABLE: TableSpec = {
  name: 'bill_lines',
  description:
    'One row per part or charge line of a bill, as recorded on site, with the rate-card item and version its price came from, the consent it relied on, the event that recorded it and, if voided, why and by which event. Amounts are integer fen.',
  columns: [
    { name: 'order_id', type: 'text', description: 'The service order the line belongs to.' },
    { name: 'line_id', type: 'text', description: 'Line number within the order (L1, L2, ...).' },
    { name: 'code', type: 'text', description: 'Rate-card item code charged.' },
    { name: 'name', type: 'text', description: 'Item name as published on the rate card.' },
    { name: 'kind', type: 'text', description: 'part, consumable, labor or fee.' },
    { name: 'unit', type: 'text', description: 'Unit the item is priced in (piece, visit, 100g, ...).' },
    { name: 'unit_price_fen', type: 'integer', description: 'Published unit price in fen.' },
    { name: 'quantity', type: 'integer', description: 'Number of units.' },
    { name: 'amount_fen', type: 'integer', description: 'unit_price_fen × quantity in fen, as computed when the line was recorded.' },
    { name: 'payer', type: 'text', description: 'Who pays the line: customer, brand or platform.' },
    { name: 'rate_card_id', type: 'text', description: 'Rate card the price came from (brand.category.city; ALL for nationwide).' },
    { name: 'rate_card_version', type: 'integer', description: 'Version of that rate card in force when the line was recorded.' },
    {
      name: 'consent_quote_revision',
      type: 'integer',
      nullable: true,
      description: 'For a customer-paid line: the accepted quote revision it relied on. Null for lines the customer does not pay (a warranty line names its quote in the event: see the charge trail).',
    },
    { name: 'source_event_id', type: 'text', description: 'Event id of the PartUsed or ChargeAdded that recorded the line.' },
    { name: 'source_type', type: 'text', description: 'PartUsed (parts and consumables) or ChargeAdded (labour and fees).' },
    { name: 'source_position', type: 'text', description: 'Global position (decimal) of that event.' },
    { name: 'recorded_at', type: 'timestamp', description: 'When the line was recorded.' },
    { name: 'voided', type: 'boolean', description: 'True when the line was voided: it then counts in voided_fen, not in the payer totals.' },
    { name: 'void_reason', type: 'text', nullable: true, description: 'Why the line was voided; null unless voided.' },
    { name: 'void_event_id', type: 'text', nullable: true, description: 'Event id of the LineVoided; null unless voided.' },
    ...ROW_META,
  ],
  primaryKey: ['order_id', 'line_id'],
};

// Status ---------------------------------------------------------------------------------------

/** Stage of the order's life; quoted and accepted share one stage, completed and cancelled end it. */
const STAGE: Record<BillStatus, number> = { open: 0, quoted: 1, accepted: 1, dispatched: 2, in_service: 3, completed: 4, cancelled: 4 };

/**
 * The status only moves forward: a revised quote after the dispatch leaves the order dispatched,
 * a final status stays final. Within the quote stage a new revision after an acceptance is
 * 'quoted' again: it awaits the customer's consent.
 */
function advance(current: Cell, to: BillStatus): BillStatus {
  const from = current as BillStatus;
  return STAGE[from] < 4 && STAGE[to] >= STAGE[from] ? to : from;
}

// Money ----------------------------------------------------------------------------------------

const fen = (row: Row, column: string): number => row[column] as number;

function payerOf(event: ProjectedEvent, payer: unknown): Payer {
  if (!PAYERS.includes(payer as Payer)) throw new ProjectionError(NAME, event, `payer must be one of ${PAYERS.join(', ')}, not ${JSON.stringify(payer)}`);
  return payer as Payer;
}

/**
 * What follows from the money columns: the amount due, the balance (charge-trail's
 * customerBalanceFen), and the breaches the numbers show now, added to those found before.
 * Completes `row` (a new row, never a stored one) in place.
 */
function settle(row: Row, found: BillBreach[] = []): Row {
  const packagePriceFen = row.package_price_fen as number | null;
  const customerFen = fen(row, 'customer_charges_fen');
  const ceilingFen = row.consent_ceiling_fen as number | null;
  const now: BillBreach[] = [...found];
  if (packagePriceFen === null && customerFen > (ceilingFen ?? 0)) now.push('customer_charges_exceed_consent');
  if (packagePriceFen !== null && customerFen > 0) now.push('package_customer_charge');
  if (fen(row, 'refunded_fen') > fen(row, 'paid_fen')) now.push('refunds_exceed_payments');
  if (now.length > 0) {
    const breaches = new Set(row.breaches === '' ? [] : String(row.breaches).split(','));
    for (const breach of now) breaches.add(breach);
    row.breaches = [...breaches].sort().join(',');
  }
  // A cancelled order owes nothing (payments are refused on it): what was paid is the customer's credit.
  const dueFen = row.status === 'cancelled' ? 0 : (packagePriceFen ?? customerFen);
  row.customer_due_fen = dueFen;
  row.balance_due_fen = dueFen - (fen(row, 'paid_fen') - fen(row, 'refunded_fen'));
  return row;
}

// Rows -----------------------------------------------------------------------------------------

function openedBill(d: OrderCreated['data'], at: string): Row {
  return settle({
    order_id: d.orderId,
    customer_id: d.customer.customerId,
    customer_name: d.customer.name,
    customer_phone: d.customer.phone,
    customer_address: d.customer.address,
    city: d.customer.city,
    brand: d.product.brand,
    category: d.product.category,
    model: d.product.model,
    service_type: d.serviceType,
    status: 'open',
    created_at: at,
    completed_at: null,
    cancelled_at: null,
    engineer_id: null,
    package_code: d.package?.code ?? null,
    package_price_fen: d.package?.priceFen ?? null,
    package_funder: d.package?.fundedBy ?? null,
    quote_revision: null,
    accepted_quote_revision: null,
    consent_ceiling_fen: null,
    customer_charges_fen: 0,
    brand_charges_fen: 0,
    platform_charges_fen: 0,
    voided_fen: 0,
    line_count: 0,
    voided_line_count: 0,
    paid_fen: 0,
    refunded_fen: 0,
    compensated_fen: 0,
    customer_due_fen: 0,
    balance_due_fen: 0,
    rating_stars: null,
    breaches: '',
  });
}

function recordedLine(event: ProjectedEvent, d: LineData, payer: Payer, at: string): Row {
  return {
    order_id: d.orderId,
    line_id: d.lineId,
    code: d.code,
    name: d.name,
    kind: d.kind,
    unit: d.unit,
    unit_price_fen: d.unitPriceFen,
    quantity: d.quantity,
    amount_fen: d.amountFen,
    payer,
    rate_card_id: d.rateCard.rateCardId,
    rate_card_version: d.rateCard.version,
    consent_quote_revision: d.consent?.quoteRevision ?? null,
    source_event_id: event.eventId,
    source_type: event.type,
    source_position: event.position,
    recorded_at: at,
    voided: false,
    void_reason: null,
    void_event_id: null,
  };
}

// The projection -------------------------------------------------------------------------------

const HANDLES = [
  'OrderCreated',
  'QuoteIssued',
  'QuoteAccepted',
  'EngineerDispatched',
  'EngineerCheckedIn',
  'PartUsed',
  'ChargeAdded',
  'LineVoided',
  'OrderCompleted',
  'PaymentRecorded',
  'RefundRecorded',
  'OrderRated',
  'OrderCancelled',
  'CompensationPaid',
] as const;

function project(event: ProjectedEvent): RowChange[] {
  if (event.schemaVersion !== 1) throw new ProjectionError(NAME, event, `schema version ${event.schemaVersion} is not one this projection reads`);
  const at = recordedAt(NAME, event);
  const data = (event.data ?? {}) as { orderId?: unknown };
  const orderId = keyOf(NAME, event, data.orderId, 'orderId');
  /** A change to this order's bill, with the breaches `found` by the event itself; the bill must exist (see the file comment). */
  const bill = (f: (row: Row) => Row, found: (row: Row) => BillBreach[] = () => []) =>
    change(BILLS_TABLE, [orderId], event, (current) => {
      if (!current) return current;
      const next = f(current);
      // settle completes the new row in place; `current` itself is never touched.
      return next === current ? current : settle(next, found(current));
    });

  switch (event.type as (typeof HANDLES)[number]) {
    case 'OrderCreated': {
      const d = event.data as OrderCreated['data'];
      // A second OrderCreated for the same order cannot happen (the decider refuses it); it changes nothing.
      return [change(BILLS_TABLE, [orderId], event, (current) => (current ? undefined : openedBill(d, at)))];
    }
    case 'QuoteIssued': {
      const d = event.data as QuoteIssued['data'];
      return [bill((row) => ({ ...row, quote_revision: d.quoteRevision, status: advance(row.status, 'quoted') }))];
    }
    case 'QuoteAccepted': {
      const d = event.data as QuoteAccepted['data'];
      return [
        bill((row) => ({
          ...row,
          accepted_quote_revision: d.quoteRevision,
          consent_ceiling_fen: d.customerTotalFen,
          status: advance(row.status, 'accepted'),
        })),
      ];
    }
    case 'EngineerDispatched': {
      const d = event.data as EngineerDispatched['data'];
      return [bill((row) => ({ ...row, engineer_id: d.engineerId, status: advance(row.status, 'dispatched') }))];
    }
    case 'EngineerCheckedIn':
      return [bill((row) => ({ ...row, status: advance(row.status, 'in_service') }))];
    case 'PartUsed':
    case 'ChargeAdded': {
      const d = event.data as LineData;
      const lineId = keyOf(NAME, event, d.lineId, 'lineId');
      const payer = payerOf(event, d.payer);
      const total = `${payer}_charges_fen`;
      return [
        // The decider numbers an order's lines; a line id seen again is not a new line.
        change(BILL_LINES_TABLE, [orderId, lineId], event, (current) => (current ? undefined : recordedLine(event, d, payer, at))),
        bill(
          (row) => ({ ...row, [total]: fen(row, total) + d.amountFen, line_count: fen(row, 'line_count') + 1 }),
          // Rules 3 and 4 seen from the line itself, whatever its amount.
          (row) =>
            payer !== 'customer' ? [] : row.package_price_fen !== null ? ['package_customer_charge'] : row.consent_ceiling_fen === null ? ['customer_charges_exceed_consent'] : [],
        ),
      ];
    }
    case 'LineVoided': {
      const d = event.data as LineVoided['data'];
      const lineId = keyOf(NAME, event, d.lineId, 'lineId');
      const payer = payerOf(event, d.payer);
      const total = `${payer}_charges_fen`;
      return [
        change(BILL_LINES_TABLE, [orderId, lineId], event, (current) =>
          current && !current.voided ? { ...current, voided: true, void_reason: d.reason, void_event_id: event.eventId } : undefined,
        ),
        bill((row) => ({
          ...row,
          [total]: fen(row, total) - d.amountFen,
          voided_fen: fen(row, 'voided_fen') + d.amountFen,
          voided_line_count: fen(row, 'voided_line_count') + 1,
        })),
      ];
    }
    case 'OrderCompleted':
      return [bill((row) => ({ ...row, completed_at: at, status: advance(row.status, 'completed') }))];
    case 'OrderCancelled':
      return [bill((row) => ({ ...row, cancelled_at: at, status: advance(row.status, 'cancelled') }))];
    case 'PaymentRecorded': {
      const d = event.data as PaymentRecorded['data'];
      return [bill((row) => ({ ...row, paid_fen: fen(row, 'paid_fen') + d.amountFen }))];
    }
    case 'RefundRecorded': {
      const d = event.data as RefundRecorded['data'];
      return [bill((row) => ({ ...row, refunded_fen: fen(row, 'refunded_fen') + d.amountFen }))];
    }
    case 'OrderRated': {
      const d = event.data as OrderRated['data'];
      return [bill((row) => ({ ...row, rating_stars: d.stars }))];
    }
    case 'CompensationPaid': {
      // Lives in the complaint's stream but names the order: the bill shows it beside the charges.
      const d = event.data as CompensationPaid['data'];
      return [bill((row) => ({ ...row, compensated_fen: fen(row, 'compensated_fen') + d.amountFen }))];
    }
  }
  // Unreachable through a RowSet, which passes only the handled types.
  return [];
}

export const billsProjection: Projection = {
  name: NAME,
  // 2: a cancelled order owes nothing (customer_due_fen 0).
  version: 2,
  tables: [BILLS_TABLE, BILL_LINES_TABLE],
  handles: HANDLES,
  project,
};
