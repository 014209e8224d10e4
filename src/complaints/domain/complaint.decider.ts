import type { Actor } from '../../event-store/envelope.js';
import { assertNever, type Decider } from '../../shared/decider.js';
import { NotFound, RuleViolation, ValidationFailed } from '../../shared/domain-error.js';
import {
  COMPLAINT_CATEGORIES,
  LIABLE_PARTIES,
  RESOLUTION_OUTCOMES,
  type ComplaintCategory,
  type ComplaintEvent,
  type ComplaintFiled,
  type ComplaintOrderFacts,
  type ComplaintResolved,
  type LiableParty,
  type ResolutionOutcome,
} from './complaint.events.js';

export interface ComplaintResolution {
  outcome: ResolutionOutcome;
  liableParty: LiableParty;
  notes?: string;
}

/** A complaint that has been filed, whatever became of it since. */
export interface FiledComplaintState {
  status: 'open' | 'acknowledged' | 'escalated' | 'resolved';
  complaintId: string;
  orderId: string;
  category: ComplaintCategory;
  description: string;
  claimedFen?: number;
  /** Exactly one owner at a time (DESIGN rule 6); null while a customer-filed complaint awaits an agent. */
  owner: string | null;
  order: ComplaintOrderFacts;
  /** Advance compensation paid so far on this complaint, in fen. */
  compensatedFen: number;
  acknowledged: boolean;
  escalated: boolean;
  resolution?: ComplaintResolution;
  reopenCount: number;
}

export type ComplaintState = { status: 'none' } | FiledComplaintState;

type Issued = { actor: Actor; now: string };

export type ComplaintCommand =
  | ({
      type: 'FileComplaint';
      data: {
        complaintId: string;
        orderId: string;
        category: ComplaintCategory;
        description: string;
        claimedFen?: number;
        order: ComplaintOrderFacts;
      };
    } & Issued)
  | ({ type: 'AcknowledgeComplaint'; data: { complaintId: string } } & Issued)
  | ({ type: 'TransferComplaint'; data: { complaintId: string; toActorId: string; reason: string } } & Issued)
  | ({
      type: 'CompensateComplaint';
      data: {
        complaintId: string;
        compensationId: string;
        amountFen: number;
        reason: string;
        thresholdFen: number;
        /** Compensation already paid on the order's other complaints (loaded by the handler). */
        otherComplaintsFen?: number;
      };
    } & Issued)
  | ({ type: 'EscalateComplaint'; data: { complaintId: string; reason: string } } & Issued)
  | ({
      type: 'ResolveComplaint';
      data: { complaintId: string; outcome: ResolutionOutcome; liableParty: LiableParty; notes?: string };
    } & Issued)
  | ({ type: 'ReopenComplaint'; data: { complaintId: string; reason: string } } & Issued);

/** API.md roles: a supervisor (and an admin) may act on any complaint and approve compensation at or above the threshold. */
const actsOnAnyComplaint = (actor: Actor) => actor.role === 'supervisor' || actor.role === 'admin';

/** 首问责任制: staff who take a complaint own it from the first contact; a customer cannot own one. */
const takesOwnership = (actor: Actor) => actor.role === 'agent' || actsOnAnyComplaint(actor);

const isPositiveFen = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;

/**
 * DESIGN rule 6: only the current owner works a complaint, except supervisors and admins. An
 * ownerless (customer-filed) complaint is claimed by the agent who acknowledges it first; until
 * then no agent may act on it in any other way, so ownership is never implicit.
 */
function mayAct(command: Exclude<ComplaintCommand, { type: 'FileComplaint' }>, state: FiledComplaintState): boolean {
  if (actsOnAnyComplaint(command.actor)) return true;
  if (state.owner === null) return command.type === 'AcknowledgeComplaint' && command.actor.role === 'agent';
  return command.actor.id === state.owner;
}

/** Status follows from the facts: a resolution closes, an escalation outranks an acknowledgement. */
function withStatus(complaint: Omit<FiledComplaintState, 'status'>): FiledComplaintState {
  const status = complaint.resolution ? 'resolved' : complaint.escalated ? 'escalated' : complaint.acknowledged ? 'acknowledged' : 'open';
  return { ...complaint, status };
}

export const complaintDecider: Decider<ComplaintState, ComplaintCommand, ComplaintEvent> = {
  initialState: { status: 'none' },

  decide(command, state) {
    if (command.type === 'FileComplaint') {
      const d = command.data;
      if (state.status !== 'none') {
        throw new RuleViolation('COMPLAINT_ALREADY_FILED', `complaint ${d.complaintId} is already filed`);
      }
      if (!COMPLAINT_CATEGORIES.includes(d.category)) {
        throw new ValidationFailed(`unknown complaint category ${String(d.category)}`, [{ field: 'category', message: `category must be one of ${COMPLAINT_CATEGORIES.join(', ')}` }]);
      }
      // Money is integer fen (DESIGN "Money"); a claim of nothing is not a claim.
      if (d.claimedFen !== undefined && !isPositiveFen(d.claimedFen)) {
        throw new ValidationFailed('claimedFen must be a positive integer number of fen', [{ field: 'claimedFen', message: 'claimedFen must be a positive safe integer' }]);
      }
      const data: ComplaintFiled['data'] = {
        complaintId: d.complaintId,
        orderId: d.orderId,
        category: d.category,
        description: d.description,
        owner: takesOwnership(command.actor) ? command.actor.id : null,
        filedBy: { id: command.actor.id, role: command.actor.role },
        order: d.order,
      };
      if (d.claimedFen !== undefined) data.claimedFen = d.claimedFen;
      return [{ type: 'ComplaintFiled', data }];
    }

    if (state.status === 'none') throw new NotFound('complaint', command.data.complaintId);
    const id = state.complaintId;
    if (!mayAct(command, state)) {
      throw new RuleViolation(
        'NOT_COMPLAINT_OWNER',
        state.owner === null
          ? `complaint ${id} has no owner yet; an agent must acknowledge it before acting on it`
          : `complaint ${id} is owned by ${state.owner}; only its owner, a supervisor or an admin may act on it`,
      );
    }
    // A resolved complaint is closed to work; reopening it is the only way back.
    if (state.status === 'resolved' && command.type !== 'ReopenComplaint') {
      throw new RuleViolation('COMPLAINT_CLOSED', `complaint ${id} is resolved; reopen it first`);
    }

    switch (command.type) {
      case 'AcknowledgeComplaint':
        if (state.acknowledged) throw new RuleViolation('COMPLAINT_ALREADY_ACKNOWLEDGED', `complaint ${id} is already acknowledged`);
        // 首问责任制: whoever first acknowledges an ownerless complaint owns it.
        return [{ type: 'ComplaintAcknowledged', data: { complaintId: id, owner: state.owner ?? command.actor.id } }];

      case 'TransferComplaint': {
        const { toActorId, reason } = command.data;
        if (toActorId === state.owner) {
          throw new RuleViolation('TRANSFER_TO_CURRENT_OWNER', `complaint ${id} is already owned by ${toActorId}`);
        }
        return [{ type: 'ComplaintTransferred', data: { complaintId: id, fromOwner: state.owner, toOwner: toActorId, reason } }];
      }

      case 'CompensateComplaint': {
        const { compensationId, amountFen, reason, thresholdFen } = command.data;
        if (!isPositiveFen(amountFen)) {
          throw new ValidationFailed('amountFen must be a positive integer number of fen', [{ field: 'amountFen', message: 'amountFen must be a positive safe integer' }]);
        }
        if (!isPositiveFen(thresholdFen)) {
          throw new ValidationFailed('thresholdFen must be a positive integer number of fen', [{ field: 'thresholdFen', message: 'thresholdFen must be a positive safe integer' }]);
        }
        const totalCompensatedFen = state.compensatedFen + amountFen;
        if (!Number.isSafeInteger(totalCompensatedFen)) {
          throw new ValidationFailed('the total compensation would not be a safe integer', [{ field: 'amountFen', message: 'amountFen is too large' }]);
        }
        // 先行赔付 (DESIGN rule 5): an agent pays quickly below the threshold, a supervisor at or
        // above it. The test is on the running total of the order (this complaint and the order's
        // others), so splitting one large payment into small ones, or over several complaints,
        // does not get round the supervisor.
        const orderTotalFen = totalCompensatedFen + (command.data.otherComplaintsFen ?? 0);
        if (orderTotalFen >= thresholdFen && !actsOnAnyComplaint(command.actor)) {
          throw new RuleViolation(
            'COMPENSATION_NEEDS_SUPERVISOR',
            `compensation on order ${state.orderId} would total ${orderTotalFen} fen, at or above the ${thresholdFen} fen threshold; a supervisor must approve it`,
            [{ field: 'amountFen', message: 'at or above the threshold a supervisor must approve', totalCompensatedFen: orderTotalFen, thresholdFen }],
          );
        }
        return [
          {
            type: 'CompensationPaid',
            data: {
              complaintId: id,
              compensationId,
              orderId: state.orderId,
              amountFen,
              reason,
              approvedBy: { id: command.actor.id, role: command.actor.role },
              thresholdFen,
              totalCompensatedFen,
            },
          },
        ];
      }

      case 'EscalateComplaint':
        if (state.escalated) throw new RuleViolation('COMPLAINT_ALREADY_ESCALATED', `complaint ${id} is already escalated`);
        return [{ type: 'ComplaintEscalated', data: { complaintId: id, reason: command.data.reason } }];

      case 'ResolveComplaint': {
        const { outcome, liableParty, notes } = command.data;
        if (!RESOLUTION_OUTCOMES.includes(outcome)) {
          throw new ValidationFailed(`unknown outcome ${String(outcome)}`, [{ field: 'outcome', message: `outcome must be one of ${RESOLUTION_OUTCOMES.join(', ')}` }]);
        }
        if (!LIABLE_PARTIES.includes(liableParty)) {
          throw new ValidationFailed(`unknown liable party ${String(liableParty)}`, [{ field: 'liableParty', message: `liableParty must be one of ${LIABLE_PARTIES.join(', ')}` }]);
        }
        const data: ComplaintResolved['data'] = { complaintId: id, outcome, liableParty };
        if (notes !== undefined) data.notes = notes;
        return [{ type: 'ComplaintResolved', data }];
      }

      case 'ReopenComplaint':
        if (state.status !== 'resolved') throw new RuleViolation('COMPLAINT_NOT_RESOLVED', `complaint ${id} is not resolved, so it cannot be reopened`);
        return [{ type: 'ComplaintReopened', data: { complaintId: id, reason: command.data.reason } }];

      default:
        return assertNever(command);
    }
  },

  evolve(state, event) {
    if (event.type === 'ComplaintFiled') {
      const { complaintId, orderId, category, description, claimedFen, owner, order } = event.data;
      const filed: Omit<FiledComplaintState, 'status'> = {
        complaintId,
        orderId,
        category,
        description,
        owner,
        order,
        compensatedFen: 0,
        acknowledged: false,
        escalated: false,
        reopenCount: 0,
      };
      if (claimedFen !== undefined) filed.claimedFen = claimedFen;
      return withStatus(filed);
    }
    // Events for a complaint never filed cannot change anything; evolve stays total.
    if (state.status === 'none') return state;
    switch (event.type) {
      case 'ComplaintAcknowledged':
        return withStatus({ ...state, owner: event.data.owner, acknowledged: true });
      case 'ComplaintTransferred':
        return withStatus({ ...state, owner: event.data.toOwner });
      case 'CompensationPaid':
        return withStatus({ ...state, compensatedFen: state.compensatedFen + event.data.amountFen });
      case 'ComplaintEscalated':
        return withStatus({ ...state, escalated: true });
      case 'ComplaintResolved': {
        const { outcome, liableParty, notes } = event.data;
        const resolution: ComplaintResolution = { outcome, liableParty };
        if (notes !== undefined) resolution.notes = notes;
        return withStatus({ ...state, resolution });
      }
      case 'ComplaintReopened': {
        // A reopened complaint goes back to work with its owner: the resolution did not hold, the
        // acknowledgement still does, and a fresh escalation must be possible.
        const { resolution: _, ...rest } = state;
        return withStatus({ ...rest, escalated: false, reopenCount: state.reopenCount + 1 });
      }
      default:
        return assertNever(event);
    }
  },
};
