import type {
  ComplaintAcknowledged,
  ComplaintFiled,
  ComplaintResolved,
  ComplaintTransferred,
  CompensationPaid,
} from '../src/complaints/domain/complaint.events.js';
import { addMs, HOUR_MS, isAtOrBefore } from '../src/shared/time.js';
import type { Cell, ProjectedEvent, Projection, Row, RowChange, TableSpec } from './projection.js';
import { change, keyOf, recordedAt } from './row-change.js';
import { ProjectionError } from './projection.js';

/**
 * Complaint views (DESIGN "Projections"): the complaint queue with its owner, status, order facts
 * and amounts, and the two SLA clocks — acknowledge within `ackHours` of filing, resolve within
 * `resolveHoursSmall` (claims under `largeClaimFen`, or no claim) or `resolveHoursLarge` (claims at
 * or above it). Deadlines run from the recorded time of ComplaintFiled; every event time is the
 * event's recordedAt.
 *
 * The projection decides only what the events decide: met (done at or before the deadline),
 * breached (done after it) or pending (not done yet). Whether a pending clock is already overdue
 * depends on the time of the question, so the query side compares the due column with its clock.
 */

const NAME = 'complaints';

export interface ComplaintSlaSettings {
  /** Hours from filing to the first acknowledgement. */
  ackHours: number;
  /** Hours from filing to resolution for a claim under `largeClaimFen`, or no claim. */
  resolveHoursSmall: number;
  /** Hours from filing to resolution for a claim of `largeClaimFen` or more. */
  resolveHoursLarge: number;
  /** Claims at or above this many fen get the longer resolution deadline (1,000 yuan by default). */
  largeClaimFen: number;
}

export const DEFAULT_COMPLAINT_SLA: Readonly<ComplaintSlaSettings> = Object.freeze({
  ackHours: 2,
  resolveHoursSmall: 24,
  resolveHoursLarge: 72,
  largeClaimFen: 100_000,
});

export const COMPLAINT_VIEW_STATUSES = ['open', 'acknowledged', 'escalated', 'resolved'] as const;
export type ComplaintViewStatus = (typeof COMPLAINT_VIEW_STATUSES)[number];
export type SlaState = 'met' | 'breached' | 'pending';

export const COMPLAINT_VIEWS_TABLE: TableSpec = {
  name: 'complaint_views',
  description:
    'One row per complaint: the complaint queue. Who owns it, where it stands, what it is about (order, brand, product category, city, engineer), amounts claimed and compensated in fen, the outcome, and the acknowledge and resolve SLA clocks. Whether a pending clock is overdue is decided at query time by comparing its *_due_at with the current time.',
  columns: [
    { name: 'complaint_id', type: 'text', description: 'The complaint.' },
    { name: 'order_id', type: 'text', description: 'The service order complained about.' },
    { name: 'category', type: 'text', description: 'overcharge, no_show, late, workmanship, damage, fake_part, conduct or other.' },
    {
      name: 'status',
      type: 'text',
      description:
        'resolved (resolved and not reopened since), else escalated (escalated since filing or the last reopen), else acknowledged, else open. Same rule as the complaint decider.',
    },
    {
      name: 'owner',
      type: 'text',
      nullable: true,
      description:
        'Actor id of the staff member who owns the complaint (首问责任制: the first agent who takes it); changes only by transfer. Null while a customer-filed complaint awaits an agent.',
    },
    { name: 'filed_by_id', type: 'text', description: 'Actor id of whoever filed the complaint.' },
    { name: 'filed_by_role', type: 'text', description: 'Role of whoever filed it: customer, agent, supervisor or admin.' },
    { name: 'customer_id', type: 'text', description: "The order's customer." },
    { name: 'brand', type: 'text', description: "Brand of the order's appliance." },
    { name: 'product_category', type: 'text', description: "Product category of the order's appliance (e.g. air_conditioner)." },
    { name: 'city', type: 'text', description: "City of the order's service address." },
    { name: 'engineer_id', type: 'text', nullable: true, description: 'Engineer dispatched to the order when the complaint was filed; null if none was.' },
    { name: 'description', type: 'text', description: "The complainant's account." },
    { name: 'claimed_fen', type: 'integer', nullable: true, description: 'Amount the complainant claims, in fen; null when no amount was claimed.' },
    { name: 'compensated_fen', type: 'integer', description: 'Advance compensation (先行赔付) paid on this complaint so far, in fen.' },
    { name: 'compensation_count', type: 'integer', description: 'Number of compensation payments on this complaint.' },
    { name: 'outcome', type: 'text', nullable: true, description: 'upheld, partially_upheld or rejected: the standing resolution; null while unresolved (cleared by a reopen).' },
    {
      name: 'liable_party',
      type: 'text',
      nullable: true,
      description: 'engineer, brand, platform, customer or none: who the standing resolution holds liable; null while unresolved (cleared by a reopen).',
    },
    { name: 'escalated', type: 'boolean', description: 'True when escalated since filing or since the last reopen (a reopen starts afresh, as in the decider).' },
    { name: 'reopen_count', type: 'integer', description: 'How many times the complaint was reopened after a resolution.' },
    { name: 'filed_at', type: 'timestamp', description: 'When the complaint was filed: both SLA clocks start here.' },
    { name: 'acknowledged_at', type: 'timestamp', nullable: true, description: 'When the complaint was first acknowledged; null until then.' },
    {
      name: 'answered_at',
      type: 'timestamp',
      nullable: true,
      description: 'When the complaint was first answered: its first acknowledgement, or its first resolution if that came first; a reopen does not clear it. The acknowledgement clock stops here.',
    },
    { name: 'ack_due_at', type: 'timestamp', description: 'Acknowledgement deadline: filed_at + ackHours (2 h by default).' },
    {
      name: 'ack_sla',
      type: 'text',
      description:
        'met (answered_at at or before ack_due_at), breached (after it) or pending (not answered yet; overdue once the clock passes ack_due_at).',
    },
    { name: 'resolved_at', type: 'timestamp', nullable: true, description: 'When the standing resolution was made; null while unresolved (cleared by a reopen).' },
    {
      name: 'resolve_due_at',
      type: 'timestamp',
      description:
        'Resolution deadline: filed_at + resolveHoursLarge (72 h by default) when claimed_fen is at least largeClaimFen (100,000 fen = 1,000 yuan by default), else filed_at + resolveHoursSmall (24 h by default). A reopen does not move it.',
    },
    {
      name: 'resolve_sla',
      type: 'text',
      description:
        'met (resolved at or before resolve_due_at), breached (resolved after it) or pending (not resolved, or reopened and not resolved again; overdue once the clock passes resolve_due_at).',
    },
    { name: 'last_position', type: 'text', description: 'Global event position (decimal) of the last event that changed this row.' },
    { name: 'updated_at', type: 'timestamp', description: 'When the last event that changed this row was recorded (ISO-8601 UTC).' },
  ],
  primaryKey: ['complaint_id'],
  indexes: [['status', 'filed_at'], ['category', 'filed_at'], ['brand', 'filed_at'], ['engineer_id', 'filed_at'], ['city', 'filed_at'], ['filed_at']],
};

// Derived columns ------------------------------------------------------------------------------

function slaState(doneAt: Cell, dueAt: Cell): SlaState {
  if (doneAt === null) return 'pending';
  return isAtOrBefore(String(doneAt), String(dueAt)) ? 'met' : 'breached';
}

/** Status and clocks follow from the facts of the row, as the decider's withStatus does. */
function withClocks(row: Row): Row {
  const status: ComplaintViewStatus = row.resolved_at !== null ? 'resolved' : row.escalated ? 'escalated' : row.acknowledged_at !== null ? 'acknowledged' : 'open';
  return { ...row, status, ack_sla: slaState(row.answered_at, row.ack_due_at), resolve_sla: slaState(row.resolved_at, row.resolve_due_at) };
}

function filedComplaint(d: ComplaintFiled['data'], at: string, settings: ComplaintSlaSettings): Row {
  const claimedFen = d.claimedFen ?? null;
  const resolveHours = claimedFen !== null && claimedFen >= settings.largeClaimFen ? settings.resolveHoursLarge : settings.resolveHoursSmall;
  return withClocks({
    complaint_id: d.complaintId,
    order_id: d.orderId,
    category: d.category,
    status: 'open',
    owner: d.owner,
    filed_by_id: d.filedBy.id,
    filed_by_role: d.filedBy.role,
    customer_id: d.order.customerId,
    brand: d.order.brand,
    product_category: d.order.productCategory,
    city: d.order.city,
    engineer_id: d.order.engineerId ?? null,
    description: d.description,
    claimed_fen: claimedFen,
    compensated_fen: 0,
    compensation_count: 0,
    outcome: null,
    liable_party: null,
    escalated: false,
    reopen_count: 0,
    filed_at: at,
    acknowledged_at: null,
    answered_at: null,
    ack_due_at: addMs(at, settings.ackHours * HOUR_MS),
    ack_sla: 'pending',
    resolved_at: null,
    resolve_due_at: addMs(at, resolveHours * HOUR_MS),
    resolve_sla: 'pending',
  });
}

// Plumbing -------------------------------------------------------------------------------------

function checkSettings(settings: ComplaintSlaSettings): void {
  for (const [field, value] of Object.entries(settings)) {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`complaint SLA setting ${field} must be a positive integer, not ${String(value)}`);
  }
}

// The projection -------------------------------------------------------------------------------

const HANDLES = [
  'ComplaintFiled',
  'ComplaintAcknowledged',
  'ComplaintTransferred',
  'CompensationPaid',
  'ComplaintEscalated',
  'ComplaintResolved',
  'ComplaintReopened',
] as const;

/**
 * The complaint views under the given SLA settings. A complaint's events all follow its
 * ComplaintFiled in one stream, so a view row exists whenever a later event arrives; should it
 * not (a partial history), the event leaves the view absent rather than inventing one.
 */
export function complaintsProjection(settings: ComplaintSlaSettings = DEFAULT_COMPLAINT_SLA): Projection {
  const sla: ComplaintSlaSettings = {
    ackHours: settings.ackHours,
    resolveHoursSmall: settings.resolveHoursSmall,
    resolveHoursLarge: settings.resolveHoursLarge,
    largeClaimFen: settings.largeClaimFen,
  };
  checkSettings(sla);

  function project(event: ProjectedEvent): RowChange[] {
    if (event.schemaVersion !== 1) throw new ProjectionError(NAME, event, `schema version ${event.schemaVersion} is not one this projection reads`);
    const at = recordedAt(NAME, event);
    const complaintId = keyOf(NAME, event, (event.data as { complaintId?: unknown } | null)?.complaintId, 'complaintId');
    const view = (f: (row: Row) => Row) => change(COMPLAINT_VIEWS_TABLE, [complaintId], event, (current) => current && withClocks(f(current)));

    switch (event.type as (typeof HANDLES)[number]) {
      case 'ComplaintFiled': {
        const d = event.data as ComplaintFiled['data'];
        // Filing happens once per complaint (the decider refuses a second); a repeat changes nothing.
        return [change(COMPLAINT_VIEWS_TABLE, [complaintId], event, (current) => (current ? undefined : filedComplaint(d, at, sla)))];
      }
      case 'ComplaintAcknowledged': {
        const d = event.data as ComplaintAcknowledged['data'];
        return [view((row) => ({ ...row, owner: d.owner, acknowledged_at: row.acknowledged_at ?? at, answered_at: row.answered_at ?? at }))];
      }
      case 'ComplaintTransferred': {
        const d = event.data as ComplaintTransferred['data'];
        return [view((row) => ({ ...row, owner: d.toOwner }))];
      }
      case 'CompensationPaid': {
        const d = event.data as CompensationPaid['data'];
        return [
          view((row) => ({
            ...row,
            compensated_fen: (row.compensated_fen as number) + d.amountFen,
            compensation_count: (row.compensation_count as number) + 1,
          })),
        ];
      }
      case 'ComplaintEscalated':
        return [view((row) => ({ ...row, escalated: true }))];
      case 'ComplaintResolved': {
        const d = event.data as ComplaintResolved['data'];
        // A resolution answers a complaint nobody acknowledged: the acknowledgement clock stops
        // there (otherwise it would stay pending, and overdue, for ever), and a reopen keeps it so.
        return [view((row) => ({ ...row, outcome: d.outcome, liable_party: d.liableParty, resolved_at: at, answered_at: row.answered_at ?? at }))];
      }
      case 'ComplaintReopened':
        // The resolution did not hold: it is cleared, the resolve clock runs again against the
        // original deadline, and a fresh escalation is possible (as in the decider).
        return [
          view((row) => ({
            ...row,
            outcome: null,
            liable_party: null,
            resolved_at: null,
            escalated: false,
            reopen_count: (row.reopen_count as number) + 1,
          })),
        ];
    }
    // Unreachable through a RowSet, which passes only the handled types.
    return [];
  }

  return {
    name: NAME,
    // 2: answered_at (first acknowledgement or resolution) stops the acknowledgement clock.
    version: 2,
    settings: { ...sla },
    tables: [COMPLAINT_VIEWS_TABLE],
    handles: HANDLES,
    project,
  };
}
