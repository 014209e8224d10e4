import type { Actor } from '../../event-store/envelope.js';
import type { RelyingCredential } from '../../engineers/domain/engineer.decider.js';
import type { ItemKind, RateCardRef } from '../../rate-cards/domain/rate-card.events.js';

export const SERVICE_TYPES = ['install', 'repair', 'clean', 'maintain', 'inspect', 'trade_in'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];
export const PAYERS = ['customer', 'brand', 'platform'] as const;
export type Payer = (typeof PAYERS)[number];
/** The payer a client may name on a line: `brand` for warranty work; left out, the order's own payer. */
export const LINE_PAYERS = ['brand'] as const;
export type LinePayer = (typeof LINE_PAYERS)[number];
export const PACKAGE_FUNDERS = ['brand', 'platform'] as const;
export type PackageFunder = (typeof PACKAGE_FUNDERS)[number];
export const COMPLETION_OUTCOMES = ['fixed', 'not_fixed', 'installed', 'done'] as const;
export type CompletionOutcome = (typeof COMPLETION_OUTCOMES)[number];
export const PAYMENT_METHODS = ['wechat', 'alipay', 'card', 'cash', 'bank_transfer', 'app'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

export interface Customer {
  customerId: string;
  name: string;
  phone: string;
  city: string;
  address: string;
}

export interface Product {
  brand: string;
  category: string;
  model: string;
  serialNo?: string;
  /** End of the product's warranty as the platform recorded it: until then, lines may be marked `payer: brand` (warranty work). */
  warrantyUntil?: string;
}

/** 一价全包: the customer pays `priceFen` once; everything else is borne by the funder. */
export interface ServicePackage {
  code: string;
  priceFen: number;
  fundedBy: PackageFunder;
}

export interface PricedLine {
  code: string;
  name: string;
  kind: ItemKind;
  unit: string;
  unitPriceFen: number;
  quantity: number;
  /** unitPriceFen x quantity, computed once when the line is recorded. */
  amountFen: number;
  payer: Payer;
  rateCard: RateCardRef;
  /** On a quote line: the client marked it as warranty work (`payer: brand`), which lets the work on site be billed to the brand. */
  warrantyWork?: true;
}

export type OrderCreated = {
  type: 'OrderCreated';
  data: {
    orderId: string;
    customer: Customer;
    product: Product;
    serviceType: ServiceType;
    appointment: { from: string; to: string };
    package?: ServicePackage;
    repeatOf?: string;
  };
};

export type QuoteIssued = {
  type: 'QuoteIssued';
  data: { orderId: string; quoteRevision: number; lines: PricedLine[]; customerTotalFen: number; totalFen: number };
};

/** The customer's consent: customer-paid charges may add up to customerTotalFen. */
export type QuoteAccepted = {
  type: 'QuoteAccepted';
  data: { orderId: string; quoteRevision: number; customerTotalFen: number; acceptedBy: Actor };
};

export type EngineerDispatched = {
  type: 'EngineerDispatched';
  data: {
    orderId: string;
    engineerId: string;
    category: string;
    /** When the dispatch was decided: a check-in cannot precede it. */
    at: string;
    policy: 'enforce' | 'record';
    /** The credentials relied on, with certificate numbers, verifiers and validity, as they stood at dispatch. */
    credentials: RelyingCredential[];
    /** Under policy `record`: what was missing when the dispatch was allowed anyway. */
    missing: string[];
  };
};

export type EngineerCheckedIn = { type: 'EngineerCheckedIn'; data: { orderId: string; engineerId: string; at: string; late: boolean } };

/** The customer's consent the line relied on (absent for lines the customer does not pay). */
export interface ConsentRef {
  quoteRevision: number;
  ceilingFen: number;
}

/** What a warranty (brand-paid) line relied on: the quote that marked its item as warranty work, and the warranty's end. */
export interface WarrantyRef {
  quoteRevision: number;
  warrantyUntil: string;
}

export type LineData = PricedLine & {
  orderId: string;
  lineId: string;
  consent?: ConsentRef;
  warranty?: WarrantyRef;
};

export type PartUsed = { type: 'PartUsed'; data: LineData & { serialNo?: string; batchNo?: string } };
export type ChargeAdded = { type: 'ChargeAdded'; data: LineData };
export type LineVoided = { type: 'LineVoided'; data: { orderId: string; lineId: string; reason: string; amountFen: number; payer: Payer } };
export type OrderCompleted = {
  type: 'OrderCompleted';
  data: { orderId: string; engineerId: string; outcome: CompletionOutcome; notes?: string };
};
export type PaymentRecorded = {
  type: 'PaymentRecorded';
  data: { orderId: string; paymentId: string; amountFen: number; method: PaymentMethod; reference: string };
};
export type RefundRecorded = { type: 'RefundRecorded'; data: { orderId: string; refundId: string; amountFen: number; reason: string } };
export type OrderRated = { type: 'OrderRated'; data: { orderId: string; engineerId?: string; stars: number; comment?: string } };
export type OrderCancelled = { type: 'OrderCancelled'; data: { orderId: string; reason: string } };
/** A complaint about this order was filed: lets the order's history and charge trail find it. */
export type ComplaintLinked = { type: 'ComplaintLinked'; data: { orderId: string; complaintId: string; category: string } };

export type OrderEvent =
  | OrderCreated
  | QuoteIssued
  | QuoteAccepted
  | EngineerDispatched
  | EngineerCheckedIn
  | PartUsed
  | ChargeAdded
  | LineVoided
  | OrderCompleted
  | PaymentRecorded
  | RefundRecorded
  | OrderRated
  | OrderCancelled
  | ComplaintLinked;

export const orderStream = (orderId: string) => `order-${orderId}`;

/** Events that move or promise money, or end what is owed (a cancellation): what the charge trail shows. */
export const MONEY_EVENTS = new Set(['QuoteIssued', 'QuoteAccepted', 'PartUsed', 'ChargeAdded', 'LineVoided', 'PaymentRecorded', 'RefundRecorded', 'OrderCancelled']);
