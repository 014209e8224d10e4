/** Complaint events. Type names never change once used; a breaking change is a new type. */
import type { Actor } from '../../event-store/envelope.js';

export const COMPLAINT_CATEGORIES = ['overcharge', 'no_show', 'late', 'workmanship', 'damage', 'fake_part', 'conduct', 'other'] as const;
export type ComplaintCategory = (typeof COMPLAINT_CATEGORIES)[number];

export const RESOLUTION_OUTCOMES = ['upheld', 'partially_upheld', 'rejected'] as const;
export type ResolutionOutcome = (typeof RESOLUTION_OUTCOMES)[number];

export const LIABLE_PARTIES = ['engineer', 'brand', 'platform', 'customer', 'none'] as const;
export type LiableParty = (typeof LIABLE_PARTIES)[number];

/**
 * The order facts the complaint views group by (brand, category, city, engineer), copied at
 * filing so the complaint's history stands on its own without re-reading the order.
 */
export interface ComplaintOrderFacts {
  customerId: string;
  brand: string;
  productCategory: string;
  city: string;
  engineerId?: string;
}

/**
 * `owner` is the filer when an agent, supervisor or admin files (首问责任制: the first agent who
 * takes a complaint owns it); null when the customer files, until an agent acknowledges.
 */
export type ComplaintFiled = {
  type: 'ComplaintFiled';
  data: {
    complaintId: string;
    orderId: string;
    category: ComplaintCategory;
    description: string;
    claimedFen?: number;
    owner: string | null;
    filedBy: Actor;
    order: ComplaintOrderFacts;
  };
};

/** `owner` is who owns the complaint after acknowledging: an ownerless complaint goes to the acknowledger. */
export type ComplaintAcknowledged = {
  type: 'ComplaintAcknowledged';
  data: { complaintId: string; owner: string };
};

/** The only event that hands a complaint from one owner to another (DESIGN rule 6). */
export type ComplaintTransferred = {
  type: 'ComplaintTransferred';
  data: { complaintId: string; fromOwner: string | null; toOwner: string; reason: string };
};

/**
 * Advance compensation (先行赔付): the customer is paid first, liability is settled after.
 * Records the threshold in force and the running total so an auditor can see why the approver's
 * role sufficed (DESIGN rule 5).
 */
export type CompensationPaid = {
  type: 'CompensationPaid';
  data: {
    complaintId: string;
    compensationId: string;
    orderId: string;
    amountFen: number;
    reason: string;
    approvedBy: Actor;
    thresholdFen: number;
    /** Cumulative compensation on the complaint including this payment. */
    totalCompensatedFen: number;
  };
};

export type ComplaintEscalated = {
  type: 'ComplaintEscalated';
  data: { complaintId: string; reason: string };
};

export type ComplaintResolved = {
  type: 'ComplaintResolved';
  data: { complaintId: string; outcome: ResolutionOutcome; liableParty: LiableParty; notes?: string };
};

export type ComplaintReopened = {
  type: 'ComplaintReopened';
  data: { complaintId: string; reason: string };
};

export type ComplaintEvent =
  | ComplaintFiled
  | ComplaintAcknowledged
  | ComplaintTransferred
  | CompensationPaid
  | ComplaintEscalated
  | ComplaintResolved
  | ComplaintReopened;

export const complaintStream = (complaintId: string) => `complaint-${complaintId}`;
