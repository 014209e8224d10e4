import { complaintsProjection, DEFAULT_COMPLAINT_SLA } from '../../projections/complaints.projection.js';
import type { ProjectedEvent, Row } from '../../projections/projection.js';
import { replay, rowKey } from '../../projections/row-set.js';
import type { ComplaintFiled } from '../../src/complaints/domain/complaint.events.js';
import { addMs, HOUR_MS } from '../../src/shared/time.js';
import { complaintOrder, customer, History } from './events.js';

const FILED = '2026-05-04T15:00:00.000Z';
const ID = 'cmp-1';
const supervisor = { id: 'sup-1', role: 'supervisor' as const };

const at = (hours: number, minutes = 0) => addMs(FILED, hours * HOUR_MS + minutes * 60_000);

function filed(extra: Partial<ComplaintFiled['data']> = {}, by = customer): History {
  const h = new History(FILED);
  h.add(
    'ComplaintFiled',
    {
      complaintId: ID,
      orderId: 'ord-1',
      category: 'overcharge',
      description: 'charged 300 yuan for a 120 yuan part',
      owner: null,
      filedBy: { id: by.id, role: by.role },
      order: complaintOrder('eng-1'),
      ...extra,
    },
    FILED,
    by,
  );
  return h;
}

const view = (events: ProjectedEvent[], settings = DEFAULT_COMPLAINT_SLA): Row | undefined =>
  replay(complaintsProjection(settings), events).table('complaint_views').get(rowKey([ID]));

const acknowledge = (h: History, when: string, owner = 'agent-1') => h.add('ComplaintAcknowledged', { complaintId: ID, owner }, when);
const resolve = (h: History, when: string, outcome: 'upheld' | 'partially_upheld' | 'rejected' = 'upheld') =>
  h.add('ComplaintResolved', { complaintId: ID, outcome, liableParty: 'engineer' }, when, supervisor);

describe('the complaints projection', () => {
  describe('a complaint just filed by a customer', () => {
    it('waits in the queue without an owner, both clocks pending', () => {
      expect(view(filed().events)).toEqual({
        complaint_id: ID,
        order_id: 'ord-1',
        category: 'overcharge',
        status: 'open',
        owner: null,
        filed_by_id: 'cust-1',
        filed_by_role: 'customer',
        customer_id: 'cust-1',
        brand: 'midea',
        product_category: 'air_conditioner',
        city: 'shanghai',
        engineer_id: 'eng-1',
        description: 'charged 300 yuan for a 120 yuan part',
        claimed_fen: null,
        compensated_fen: 0,
        compensation_count: 0,
        outcome: null,
        liable_party: null,
        escalated: false,
        reopen_count: 0,
        filed_at: FILED,
        acknowledged_at: null,
        answered_at: null,
        ack_due_at: '2026-05-04T17:00:00.000Z',
        ack_sla: 'pending',
        resolved_at: null,
        resolve_due_at: '2026-05-05T15:00:00.000Z',
        resolve_sla: 'pending',
        last_position: '1',
        updated_at: FILED,
      });
    });

    it('has no engineer when none was dispatched to the order', () => {
      expect(view(filed({ order: complaintOrder() }).events)).toMatchObject({ engineer_id: null });
    });
  });

  describe('the acknowledgement clock', () => {
    it('is met by an acknowledgement before the 2 h deadline', () => {
      const h = filed();
      acknowledge(h, at(1, 59));
      expect(view(h.events)).toMatchObject({ status: 'acknowledged', owner: 'agent-1', acknowledged_at: at(1, 59), ack_sla: 'met' });
    });

    it('is met by an acknowledgement exactly at the deadline', () => {
      const h = filed();
      acknowledge(h, at(2));
      expect(view(h.events)).toMatchObject({ ack_due_at: at(2), ack_sla: 'met' });
    });

    it('is breached by an acknowledgement after the deadline', () => {
      const h = filed();
      acknowledge(h, at(2, 1));
      expect(view(h.events)).toMatchObject({ acknowledged_at: at(2, 1), ack_sla: 'breached' });
    });

    it('is judged on the first acknowledgement', () => {
      const h = filed();
      acknowledge(h, at(1), 'agent-1');
      acknowledge(h, at(5), 'agent-2');
      expect(view(h.events)).toMatchObject({ acknowledged_at: at(1), ack_sla: 'met', owner: 'agent-2' });
    });

    it('stays pending while unacknowledged, however late the other events', () => {
      const h = filed();
      h.add('ComplaintEscalated', { complaintId: ID, reason: 'customer threatens 12315' }, at(30), supervisor);
      expect(view(h.events)).toMatchObject({ ack_sla: 'pending', acknowledged_at: null, status: 'escalated' });
    });

    it('is stopped by a resolution made without an acknowledgement: met within the deadline, breached after it', () => {
      const inTime = filed();
      resolve(inTime, at(1, 30));
      expect(view(inTime.events)).toMatchObject({ status: 'resolved', acknowledged_at: null, ack_sla: 'met', resolve_sla: 'met' });
      const late = filed();
      resolve(late, at(3));
      expect(view(late.events)).toMatchObject({ status: 'resolved', acknowledged_at: null, ack_sla: 'breached' });
    });

    it('stays stopped when a complaint resolved without an acknowledgement is reopened', () => {
      const h = filed();
      resolve(h, at(1));
      h.add('ComplaintReopened', { complaintId: ID, reason: 'the fault came back' }, at(5), supervisor);
      expect(view(h.events)).toMatchObject({ status: 'open', answered_at: at(1), ack_sla: 'met', resolve_sla: 'pending' });
      resolve(h, at(10));
      expect(view(h.events)).toMatchObject({ status: 'resolved', answered_at: at(1), ack_sla: 'met' });
    });

    it('runs on the configured hours', () => {
      const h = filed();
      acknowledge(h, at(3));
      expect(view(h.events, { ...DEFAULT_COMPLAINT_SLA, ackHours: 4 })).toMatchObject({ ack_due_at: at(4), ack_sla: 'met' });
    });
  });

  describe('the resolution clock', () => {
    it('is met by a resolution within 24 h of filing', () => {
      const h = filed();
      acknowledge(h, at(1));
      resolve(h, at(23, 59));
      expect(view(h.events)).toMatchObject({
        status: 'resolved',
        outcome: 'upheld',
        liable_party: 'engineer',
        resolved_at: at(23, 59),
        resolve_due_at: at(24),
        resolve_sla: 'met',
      });
    });

    it('is breached by a resolution after 24 h', () => {
      const h = filed();
      acknowledge(h, at(1));
      resolve(h, at(24, 1));
      expect(view(h.events)).toMatchObject({ resolve_sla: 'breached', status: 'resolved' });
    });

    it('is pending until resolved', () => {
      const h = filed();
      acknowledge(h, at(1));
      expect(view(h.events)).toMatchObject({ resolve_sla: 'pending', resolved_at: null });
    });

    it('gives a claim of 1,000 yuan or more 72 h', () => {
      const h = filed({ claimedFen: 100_000 });
      resolve(h, at(71));
      expect(view(h.events)).toMatchObject({ claimed_fen: 100_000, resolve_due_at: at(72), resolve_sla: 'met' });
    });

    it('gives a claim just under 1,000 yuan 24 h', () => {
      const h = filed({ claimedFen: 99_999 });
      resolve(h, at(71));
      expect(view(h.events)).toMatchObject({ claimed_fen: 99_999, resolve_due_at: at(24), resolve_sla: 'breached' });
    });

    it('uses the configured threshold and hours', () => {
      const settings = { ackHours: 1, resolveHoursSmall: 8, resolveHoursLarge: 48, largeClaimFen: 50_000 };
      expect(view(filed({ claimedFen: 50_000 }).events, settings)).toMatchObject({ ack_due_at: at(1), resolve_due_at: at(48) });
      expect(view(filed({ claimedFen: 49_999 }).events, settings)).toMatchObject({ resolve_due_at: at(8) });
    });
  });

  describe('a reopened complaint', () => {
    function reopened(): History {
      const h = filed();
      acknowledge(h, at(1));
      h.add('ComplaintEscalated', { complaintId: ID, reason: 'customer threatens 12315' }, at(2));
      resolve(h, at(5), 'rejected');
      h.add('ComplaintReopened', { complaintId: ID, reason: 'customer disputes the outcome' }, at(20), supervisor);
      return h;
    }

    it('clears the resolution and the escalation and counts the reopen', () => {
      expect(view(reopened().events)).toMatchObject({
        status: 'acknowledged',
        outcome: null,
        liable_party: null,
        resolved_at: null,
        resolve_sla: 'pending',
        escalated: false,
        reopen_count: 1,
        acknowledged_at: at(1),
        ack_sla: 'met',
        last_position: '5',
      });
    });

    it('is judged against the original deadline when resolved again', () => {
      const h = reopened();
      resolve(h, at(30), 'partially_upheld');
      expect(view(h.events)).toMatchObject({ status: 'resolved', outcome: 'partially_upheld', resolved_at: at(30), resolve_due_at: at(24), resolve_sla: 'breached', reopen_count: 1 });
    });

    it('counts every reopen', () => {
      const h = reopened();
      resolve(h, at(21));
      h.add('ComplaintReopened', { complaintId: ID, reason: 'again' }, at(22), supervisor);
      expect(view(h.events)).toMatchObject({ reopen_count: 2, status: 'acknowledged', resolve_sla: 'pending' });
    });
  });

  describe('ownership and status', () => {
    it('gives the complaint to its filer when an agent files it', () => {
      const filer = { id: 'agent-7', role: 'agent' as const };
      expect(view(filed({ owner: 'agent-7' }, filer).events)).toMatchObject({ owner: 'agent-7', filed_by_id: 'agent-7', filed_by_role: 'agent', status: 'open' });
    });

    it('changes the owner on a transfer', () => {
      const h = filed();
      acknowledge(h, at(1), 'agent-1');
      h.add('ComplaintTransferred', { complaintId: ID, fromOwner: 'agent-1', toOwner: 'agent-2', reason: 'brand desk handles midea' }, at(3));
      expect(view(h.events)).toMatchObject({ owner: 'agent-2', status: 'acknowledged', last_position: '3', updated_at: at(3) });
    });

    it('ranks an escalation above an acknowledgement', () => {
      const h = filed();
      acknowledge(h, at(1));
      h.add('ComplaintEscalated', { complaintId: ID, reason: 'customer threatens 12315' }, at(2));
      expect(view(h.events)).toMatchObject({ status: 'escalated', escalated: true });
    });
  });

  describe('compensation', () => {
    it('sums the payments and counts them', () => {
      const h = filed({ claimedFen: 18_000 });
      acknowledge(h, at(1));
      const paid = { complaintId: ID, orderId: 'ord-1', reason: 'part billed above list price', approvedBy: { id: 'agent-1', role: 'agent' as const }, thresholdFen: 100_000 };
      h.add('CompensationPaid', { ...paid, compensationId: 'C1', amountFen: 12_000, totalCompensatedFen: 12_000 }, at(2));
      h.add('CompensationPaid', { ...paid, compensationId: 'C2', amountFen: 6000, totalCompensatedFen: 18_000 }, at(3));
      expect(view(h.events)).toMatchObject({ claimed_fen: 18_000, compensated_fen: 18_000, compensation_count: 2, last_position: '4' });
    });
  });

  describe('its settings', () => {
    it('are the SLA hours and threshold, 2 h / 24 h / 72 h / 100,000 fen by default', () => {
      expect(complaintsProjection().settings).toEqual({ ackHours: 2, resolveHoursSmall: 24, resolveHoursLarge: 72, largeClaimFen: 100_000 });
      expect(complaintsProjection({ ackHours: 3, resolveHoursSmall: 12, resolveHoursLarge: 36, largeClaimFen: 5000 }).settings).toEqual({
        ackHours: 3,
        resolveHoursSmall: 12,
        resolveHoursLarge: 36,
        largeClaimFen: 5000,
      });
    });

    it('refuse an hour count that is not a positive whole number', () => {
      expect(() => complaintsProjection({ ...DEFAULT_COMPLAINT_SLA, ackHours: 0 })).toThrow(/ackHours must be a positive integer/);
      expect(() => complaintsProjection({ ...DEFAULT_COMPLAINT_SLA, resolveHoursLarge: 1.5 })).toThrow(/resolveHoursLarge/);
    });
  });

  it('leaves the view absent for an event of a complaint never filed', () => {
    const h = new History(FILED);
    acknowledge(h, at(1));
    expect(replay(complaintsProjection(), h.events).size).toBe(0);
  });
});
