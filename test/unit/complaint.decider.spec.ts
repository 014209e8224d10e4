import { complaintDecider, type ComplaintCommand, type ComplaintState } from '../../src/complaints/domain/complaint.decider.js';
import type { ComplaintEvent, ComplaintOrderFacts, LiableParty, ResolutionOutcome } from '../../src/complaints/domain/complaint.events.js';
import { complaintStream } from '../../src/complaints/domain/complaint.events.js';
import type { Actor } from '../../src/event-store/envelope.js';
import { fold } from '../../src/shared/decider.js';
import { spec } from '../support/spec.js';

const NOW = '2024-03-01T08:00:00.000Z';
const LATER = '2024-03-01T10:30:00.000Z';
const THRESHOLD_FEN = 100_000;
const ID = 'cmp-1';

const agent: Actor = { id: 'agent-1', role: 'agent' };
const otherAgent: Actor = { id: 'agent-2', role: 'agent' };
const supervisor: Actor = { id: 'sup-1', role: 'supervisor' };
const admin: Actor = { id: 'admin-1', role: 'admin' };
const customer: Actor = { id: 'cust-1', role: 'customer' };
const engineer: Actor = { id: 'eng-1', role: 'engineer' };

const order: ComplaintOrderFacts = { customerId: 'cust-1', brand: 'Gree', productCategory: 'air_conditioner', city: 'Shanghai', engineerId: 'eng-1' };

// Commands -------------------------------------------------------------------------------------

const file = (actor: Actor, extra: { claimedFen?: number } = {}): ComplaintCommand => ({
  type: 'FileComplaint',
  data: { complaintId: ID, orderId: 'ord-1', category: 'overcharge', description: 'charged 300 yuan for a 120 yuan part', order, ...extra },
  actor,
  now: NOW,
});
const acknowledge = (actor: Actor): ComplaintCommand => ({ type: 'AcknowledgeComplaint', data: { complaintId: ID }, actor, now: LATER });
const transfer = (actor: Actor, toActorId: string): ComplaintCommand => ({
  type: 'TransferComplaint',
  data: { complaintId: ID, toActorId, reason: 'brand desk handles Gree' },
  actor,
  now: LATER,
});
const compensate = (actor: Actor, amountFen: number, compensationId = 'comp-1'): ComplaintCommand => ({
  type: 'CompensateComplaint',
  data: { complaintId: ID, compensationId, amountFen, reason: 'part billed above list price', thresholdFen: THRESHOLD_FEN },
  actor,
  now: LATER,
});
const escalate = (actor: Actor): ComplaintCommand => ({ type: 'EscalateComplaint', data: { complaintId: ID, reason: 'customer threatens 12315' }, actor, now: LATER });
const resolve = (actor: Actor, outcome: ResolutionOutcome = 'upheld', liableParty: LiableParty = 'engineer'): ComplaintCommand => ({
  type: 'ResolveComplaint',
  data: { complaintId: ID, outcome, liableParty, notes: 'engineer billed a non-list part' },
  actor,
  now: LATER,
});
const reopen = (actor: Actor): ComplaintCommand => ({ type: 'ReopenComplaint', data: { complaintId: ID, reason: 'customer disputes the outcome' }, actor, now: LATER });

// Events ---------------------------------------------------------------------------------------

const filedBy = (actor: Actor, owner: string | null, extra: { claimedFen?: number } = {}): ComplaintEvent => ({
  type: 'ComplaintFiled',
  data: {
    complaintId: ID,
    orderId: 'ord-1',
    category: 'overcharge',
    description: 'charged 300 yuan for a 120 yuan part',
    owner,
    filedBy: actor,
    order,
    ...extra,
  },
});
const filedByAgent = filedBy(agent, agent.id);
const filedByCustomer = filedBy(customer, null);
const acknowledged = (owner: string): ComplaintEvent => ({ type: 'ComplaintAcknowledged', data: { complaintId: ID, owner } });
const transferred = (fromOwner: string | null, toOwner: string): ComplaintEvent => ({
  type: 'ComplaintTransferred',
  data: { complaintId: ID, fromOwner, toOwner, reason: 'brand desk handles Gree' },
});
const paid = (approvedBy: Actor, amountFen: number, totalCompensatedFen: number, compensationId = 'comp-1'): ComplaintEvent => ({
  type: 'CompensationPaid',
  data: {
    complaintId: ID,
    compensationId,
    orderId: 'ord-1',
    amountFen,
    reason: 'part billed above list price',
    approvedBy,
    thresholdFen: THRESHOLD_FEN,
    totalCompensatedFen,
  },
});
const escalated: ComplaintEvent = { type: 'ComplaintEscalated', data: { complaintId: ID, reason: 'customer threatens 12315' } };
const resolved: ComplaintEvent = {
  type: 'ComplaintResolved',
  data: { complaintId: ID, outcome: 'upheld', liableParty: 'engineer', notes: 'engineer billed a non-list part' },
};
const reopened: ComplaintEvent = { type: 'ComplaintReopened', data: { complaintId: ID, reason: 'customer disputes the outcome' } };

const complaint = spec(complaintDecider);
const stateAfter = (events: ComplaintEvent[]): ComplaintState => fold(complaintDecider, events);

// ----------------------------------------------------------------------------------------------

describe('the complaint stream', () => {
  it('is named after the complaint', () => {
    expect(complaintStream(ID)).toBe('complaint-cmp-1');
  });
});

describe('filing a complaint', () => {
  it('makes the filing agent the owner', () => {
    complaint.given([]).when(file(agent)).then([filedByAgent]);
  });

  it('makes a filing supervisor the owner', () => {
    complaint.given([]).when(file(supervisor)).then([filedBy(supervisor, supervisor.id)]);
  });

  it('leaves a complaint filed by the customer without an owner', () => {
    complaint.given([]).when(file(customer)).then([filedByCustomer]);
  });

  it('records the amount the customer claims', () => {
    complaint
      .given([])
      .when(file(customer, { claimedFen: 18_000 }))
      .then([filedBy(customer, null, { claimedFen: 18_000 })]);
  });

  it.each([0, -500, 12.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1])('refuses a claimed amount of %p fen', (claimedFen) => {
    const error = complaint.given([]).when(file(customer, { claimedFen })).thenFails('VALIDATION_FAILED');
    expect(error.kind).toBe('validation');
    expect(error.details).toEqual([expect.objectContaining({ field: 'claimedFen' })]);
  });

  it('refuses an unknown category', () => {
    const command = file(agent);
    const error = complaint
      .given([])
      .when({ ...command, data: { ...(command.data as object), category: 'rude' } } as unknown as ComplaintCommand)
      .thenFails('VALIDATION_FAILED');
    expect(error.details).toEqual([expect.objectContaining({ field: 'category' })]);
  });

  it('refuses filing the same complaint twice', () => {
    complaint.given([filedByCustomer]).when(file(agent)).thenFails('COMPLAINT_ALREADY_FILED');
  });

  it('starts open, unacknowledged, with nothing compensated', () => {
    expect(stateAfter([filedByCustomer])).toEqual({
      status: 'open',
      complaintId: ID,
      orderId: 'ord-1',
      category: 'overcharge',
      description: 'charged 300 yuan for a 120 yuan part',
      owner: null,
      order,
      compensatedFen: 0,
      acknowledged: false,
      escalated: false,
      reopenCount: 0,
    });
  });
});

describe('a complaint that was never filed', () => {
  it.each([acknowledge(agent), transfer(supervisor, 'agent-2'), compensate(supervisor, 100), escalate(agent), resolve(agent), reopen(agent)])(
    'is not found for $type',
    (command) => {
      const error = complaint.given([]).when(command).thenFails('NOT_FOUND', /complaint cmp-1/);
      expect(error.kind).toBe('not_found');
    },
  );
});

describe('a complaint filed by an agent', () => {
  it('is acknowledged by its owner, who stays the owner', () => {
    complaint.given([filedByAgent]).when(acknowledge(agent)).then([acknowledged(agent.id)]);
  });

  it('refuses acknowledgement by another agent', () => {
    complaint.given([filedByAgent]).when(acknowledge(otherAgent)).thenFails('NOT_COMPLAINT_OWNER', /owned by agent-1/);
  });

  it('lets a supervisor acknowledge it without taking it from its owner', () => {
    complaint.given([filedByAgent]).when(acknowledge(supervisor)).then([acknowledged(agent.id)]);
  });

  it('refuses a second acknowledgement', () => {
    complaint.given([filedByAgent, acknowledged(agent.id)]).when(acknowledge(agent)).thenFails('COMPLAINT_ALREADY_ACKNOWLEDGED');
  });

  it.each([transfer(otherAgent, 'agent-2'), compensate(otherAgent, 100), escalate(otherAgent), resolve(otherAgent)])(
    'refuses $type from an agent who does not own it',
    (command) => {
      complaint.given([filedByAgent]).when(command).thenFails('NOT_COMPLAINT_OWNER');
    },
  );

  it.each([acknowledge(customer), escalate(customer), acknowledge(engineer), resolve(engineer)])(
    'refuses $type from $actor.role who is not staff',
    (command) => {
      complaint.given([filedByAgent]).when(command).thenFails('NOT_COMPLAINT_OWNER');
    },
  );

  it.each([supervisor, admin])('lets the $role act on it though it is not theirs', (actor) => {
    complaint.given([filedByAgent]).when(escalate(actor)).then([escalated]);
  });
});

describe('a complaint filed by a customer', () => {
  it('becomes the property of the agent who acknowledges it', () => {
    complaint.given([filedByCustomer]).when(acknowledge(otherAgent)).then([acknowledged(otherAgent.id)]);
    expect(stateAfter([filedByCustomer, acknowledged(otherAgent.id)])).toMatchObject({ status: 'acknowledged', owner: 'agent-2', acknowledged: true });
  });

  it('becomes the property of a supervisor who acknowledges it', () => {
    complaint.given([filedByCustomer]).when(acknowledge(supervisor)).then([acknowledged(supervisor.id)]);
  });

  it('refuses acknowledgement by the customer', () => {
    complaint.given([filedByCustomer]).when(acknowledge(customer)).thenFails('NOT_COMPLAINT_OWNER', /no owner yet/);
  });

  it.each([transfer(agent, 'agent-2'), compensate(agent, 100), escalate(agent), resolve(agent)])(
    'refuses $type from an agent who has not acknowledged it',
    (command) => {
      complaint.given([filedByCustomer]).when(command).thenFails('NOT_COMPLAINT_OWNER', /no owner yet/);
    },
  );

  it('lets only the acknowledging agent act on it afterwards', () => {
    const history = [filedByCustomer, acknowledged(otherAgent.id)];
    complaint.given(history).when(escalate(agent)).thenFails('NOT_COMPLAINT_OWNER');
    complaint.given(history).when(escalate(otherAgent)).then([escalated]);
  });

  it('lets a supervisor hand it to an agent before anyone acknowledged it', () => {
    complaint.given([filedByCustomer]).when(transfer(supervisor, 'agent-1')).then([transferred(null, 'agent-1')]);
  });
});

describe('transferring a complaint', () => {
  it('records who had it and who has it now', () => {
    complaint.given([filedByAgent, acknowledged(agent.id)]).when(transfer(agent, 'agent-2')).then([transferred('agent-1', 'agent-2')]);
  });

  it('refuses a transfer to the current owner', () => {
    complaint.given([filedByAgent]).when(transfer(agent, 'agent-1')).thenFails('TRANSFER_TO_CURRENT_OWNER');
  });

  it('lets a supervisor transfer a complaint they do not own', () => {
    complaint.given([filedByAgent]).when(transfer(supervisor, 'agent-2')).then([transferred('agent-1', 'agent-2')]);
  });

  it('lets only the new owner act afterwards', () => {
    const history = [filedByAgent, acknowledged(agent.id), transferred('agent-1', 'agent-2')];
    expect(stateAfter(history)).toMatchObject({ owner: 'agent-2', status: 'acknowledged' });
    complaint.given(history).when(escalate(agent)).thenFails('NOT_COMPLAINT_OWNER', /owned by agent-2/);
    complaint.given(history).when(transfer(agent, 'agent-1')).thenFails('NOT_COMPLAINT_OWNER');
    complaint.given(history).when(escalate(otherAgent)).then([escalated]);
  });
});

describe('advance compensation with a threshold of 100000 fen', () => {
  const open = [filedByAgent, acknowledged(agent.id)];

  it('lets the owning agent pay just below the threshold', () => {
    complaint.given(open).when(compensate(agent, 99_999)).then([paid(agent, 99_999, 99_999)]);
  });

  it('refuses compensation at the threshold from an agent', () => {
    const error = complaint.given(open).when(compensate(agent, 100_000)).thenFails('COMPENSATION_NEEDS_SUPERVISOR', /100000 fen/);
    expect(error.kind).toBe('rule');
  });

  it('lets a supervisor pay at the threshold', () => {
    complaint.given(open).when(compensate(supervisor, 100_000)).then([paid(supervisor, 100_000, 100_000)]);
  });

  it('lets an admin pay above the threshold', () => {
    complaint.given(open).when(compensate(admin, 250_000)).then([paid(admin, 250_000, 250_000)]);
  });

  it('lets an agent pay again while the running total stays below the threshold', () => {
    complaint
      .given([...open, paid(agent, 60_000, 60_000)])
      .when(compensate(agent, 39_999, 'comp-2'))
      .then([paid(agent, 39_999, 99_999, 'comp-2')]);
  });

  it('refuses an agent a second payment that brings the running total to the threshold', () => {
    complaint
      .given([...open, paid(agent, 60_000, 60_000)])
      .when(compensate(agent, 40_000, 'comp-2'))
      .thenFails('COMPENSATION_NEEDS_SUPERVISOR', /total 100000 fen/);
  });

  it('lets a supervisor make the payment that crosses the threshold', () => {
    complaint
      .given([...open, paid(agent, 60_000, 60_000)])
      .when(compensate(supervisor, 50_000, 'comp-2'))
      .then([paid(supervisor, 50_000, 110_000, 'comp-2')]);
  });

  it('keeps the running total in state', () => {
    expect(stateAfter([...open, paid(agent, 60_000, 60_000), paid(supervisor, 50_000, 110_000, 'comp-2')])).toMatchObject({ compensatedFen: 110_000 });
  });

  it.each([0, -100, 10.5, Number.NaN])('refuses an amount of %p fen', (amountFen) => {
    const error = complaint.given(open).when(compensate(supervisor, amountFen)).thenFails('VALIDATION_FAILED');
    expect(error.details).toEqual([expect.objectContaining({ field: 'amountFen' })]);
  });
});

describe('escalating a complaint', () => {
  it('escalates an open complaint', () => {
    complaint.given([filedByAgent]).when(escalate(agent)).then([escalated]);
    expect(stateAfter([filedByAgent, escalated])).toMatchObject({ status: 'escalated', escalated: true });
  });

  it('refuses escalating twice', () => {
    complaint.given([filedByAgent, escalated]).when(escalate(agent)).thenFails('COMPLAINT_ALREADY_ESCALATED');
  });

  it('keeps an escalated complaint escalated when it is acknowledged late', () => {
    expect(stateAfter([filedByAgent, escalated, acknowledged(agent.id)])).toMatchObject({ status: 'escalated', acknowledged: true });
  });

  it('allows escalating again after a reopen', () => {
    complaint.given([filedByAgent, escalated, resolved, reopened]).when(escalate(agent)).then([escalated]);
  });
});

describe('a resolved complaint', () => {
  const closed = [filedByAgent, resolved];

  it('records the outcome, the liable party and the notes', () => {
    complaint.given([filedByAgent, acknowledged(agent.id)]).when(resolve(agent)).then([resolved]);
    expect(stateAfter([filedByAgent, acknowledged(agent.id), resolved])).toMatchObject({
      status: 'resolved',
      resolution: { outcome: 'upheld', liableParty: 'engineer', notes: 'engineer billed a non-list part' },
    });
  });

  it('refuses an unknown outcome', () => {
    const error = complaint
      .given([filedByAgent])
      .when(resolve(agent, 'dismissed' as ResolutionOutcome))
      .thenFails('VALIDATION_FAILED');
    expect(error.details).toEqual([expect.objectContaining({ field: 'outcome' })]);
  });

  it.each([acknowledge(agent), transfer(agent, 'agent-2'), compensate(agent, 100), escalate(agent), resolve(agent)])('refuses $type', (command) => {
    complaint.given(closed).when(command).thenFails('COMPLAINT_CLOSED');
  });

  it.each([acknowledge(supervisor), compensate(supervisor, 100)])('refuses $type from a supervisor too', (command) => {
    complaint.given(closed).when(command).thenFails('COMPLAINT_CLOSED');
  });

  it('may be reopened by its owner', () => {
    complaint.given(closed).when(reopen(agent)).then([reopened]);
  });

  it('may be reopened by a supervisor', () => {
    complaint.given(closed).when(reopen(supervisor)).then([reopened]);
  });

  it('may not be reopened by an agent who does not own it', () => {
    complaint.given(closed).when(reopen(otherAgent)).thenFails('NOT_COMPLAINT_OWNER');
  });
});

describe('reopening a complaint', () => {
  it.each([
    ['open', [filedByAgent]],
    ['acknowledged', [filedByAgent, acknowledged(agent.id)]],
    ['escalated', [filedByAgent, escalated]],
    ['reopened', [filedByAgent, resolved, reopened]],
  ] as const)('refuses to reopen a complaint that is %s', (_, history) => {
    complaint.given([...history]).when(reopen(agent)).thenFails('COMPLAINT_NOT_RESOLVED');
  });

  it('returns an acknowledged complaint to acknowledged, clearing the resolution and the escalation', () => {
    const state = stateAfter([filedByAgent, acknowledged(agent.id), escalated, resolved, reopened]);
    expect(state).toMatchObject({ status: 'acknowledged', acknowledged: true, escalated: false, reopenCount: 1 });
    expect(state).not.toHaveProperty('resolution');
  });

  it('returns a never-acknowledged complaint to open', () => {
    expect(stateAfter([filedByAgent, resolved, reopened])).toMatchObject({ status: 'open', acknowledged: false, reopenCount: 1 });
  });

  it('counts every reopen', () => {
    expect(stateAfter([filedByAgent, resolved, reopened, resolved, reopened])).toMatchObject({ reopenCount: 2 });
  });
});

describe('folding a complaint history', () => {
  it('arrives at the state the events describe', () => {
    const history: ComplaintEvent[] = [
      filedBy(customer, null, { claimedFen: 18_000 }),
      acknowledged(agent.id),
      paid(agent, 30_000, 30_000),
      escalated,
      transferred('agent-1', 'agent-2'),
      paid(supervisor, 80_000, 110_000, 'comp-2'),
      resolved,
      reopened,
      {
        type: 'ComplaintResolved',
        data: { complaintId: ID, outcome: 'partially_upheld', liableParty: 'brand' },
      },
    ];
    expect(stateAfter(history)).toEqual({
      status: 'resolved',
      complaintId: ID,
      orderId: 'ord-1',
      category: 'overcharge',
      description: 'charged 300 yuan for a 120 yuan part',
      claimedFen: 18_000,
      owner: 'agent-2',
      order,
      compensatedFen: 110_000,
      acknowledged: true,
      escalated: false,
      resolution: { outcome: 'partially_upheld', liableParty: 'brand' },
      reopenCount: 1,
    });
  });

  it.each([acknowledged(agent.id), transferred(null, 'agent-1'), paid(agent, 100, 100), escalated, resolved, reopened])(
    'ignores $type for a complaint that was never filed',
    (event) => {
      expect(() => complaintDecider.evolve(complaintDecider.initialState, event)).not.toThrow();
      expect(complaintDecider.evolve(complaintDecider.initialState, event)).toEqual({ status: 'none' });
    },
  );
});
