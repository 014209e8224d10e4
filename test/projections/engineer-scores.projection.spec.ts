import {
  type EngineerScoreInputs,
  engineerScoresProjection,
  SCORE_POLICY_V1,
  scoreEngineers,
  scoreWindow,
  tierOf,
} from '../../projections/engineer-scores.projection.js';
import type { ProjectedEvent, Row } from '../../projections/projection.js';
import { replay, rowKey } from '../../projections/row-set.js';
import type { CompletionOutcome } from '../../src/orders/domain/order.events.js';
import { addMs, DAY_MS, HOUR_MS, isBefore, isAtOrBefore } from '../../src/shared/time.js';
import { complaintOrder, customer, History, orderCreated } from './events.js';

const BOOKED = '2026-05-01T08:00:00.000Z';
const ON_SITE = '2026-05-04T11:00:00.000Z';
const LATE = '2026-05-04T12:30:00.000Z';
const DONE = '2026-05-04T12:00:00.000Z';
const RATED = '2026-05-04T18:00:00.000Z';
const WINDOW = { from: '2026-03-02T12:00:00.000Z', to: '2026-05-31T12:00:00.000Z' };

const supervisor = { id: 'sup-1', role: 'supervisor' as const };

interface JobPlan {
  engineerId?: string;
  late?: boolean;
  outcome?: CompletionOutcome;
  stars?: number;
  completedAt?: string;
  repeatOf?: string;
}

/** An order booked, dispatched, checked in on time (unless late), completed fixed and, if given, rated. */
function job(h: History, orderId: string, plan: JobPlan = {}): void {
  const engineerId = plan.engineerId ?? 'eng-1';
  const completedAt = plan.completedAt ?? DONE;
  h.add('OrderCreated', orderCreated(orderId, plan.repeatOf ? { repeatOf: plan.repeatOf } : {}), addMs(completedAt, -3 * DAY_MS));
  h.add('EngineerDispatched', { orderId, engineerId, category: 'air_conditioner', at: addMs(completedAt, -2 * DAY_MS), policy: 'enforce', credentials: [], missing: [] });
  h.add('EngineerCheckedIn', { orderId, engineerId, at: addMs(completedAt, -HOUR_MS), late: plan.late ?? false }, addMs(completedAt, -HOUR_MS));
  h.add('OrderCompleted', { orderId, engineerId, outcome: plan.outcome ?? 'fixed' }, completedAt);
  if (plan.stars !== undefined) h.add('OrderRated', { orderId, engineerId, stars: plan.stars }, addMs(completedAt, HOUR_MS), customer);
}

const scoreRows = (events: ProjectedEvent[]) => replay(engineerScoresProjection, events);
const jobRow = (events: ProjectedEvent[], orderId: string): Row | undefined => scoreRows(events).table('score_jobs').get(rowKey([orderId]));
const complaintRow = (events: ProjectedEvent[], id = 'cmp-1'): Row | undefined => scoreRows(events).table('score_complaints').get(rowKey([id]));

const inputs = (engineerId: string, counts: Partial<Omit<EngineerScoreInputs, 'engineerId'>>): EngineerScoreInputs => ({
  engineerId,
  jobs: 0,
  firstTimeFixJobs: 0,
  checkIns: 0,
  onTimeCheckIns: 0,
  ratedJobs: 0,
  satisfiedJobs: 0,
  upheldComplaints: 0,
  overchargeJobs: 0,
  ...counts,
});

const engineer = (engineerId: string, homeCity = 'shanghai'): Row => ({
  engineer_id: engineerId,
  name: '王师傅',
  provider_type: 'manufacturer',
  provider_id: 'midea-sh',
  home_city: homeCity,
  cities: homeCity,
  categories: 'air_conditioner',
  status: 'active',
  last_position: '1',
  updated_at: BOOKED,
});

/**
 * What the runner's aggregate query (src/read-models/engineer-score-inputs.ts) computes from the
 * job and complaint rows, written out in memory so a test can go from events to a score.
 */
function aggregate(jobs: Row[], complaints: Row[], window: { from: string; to: string }): EngineerScoreInputs[] {
  const upheld = complaints.filter((c) => c.upheld === true);
  const byEngineer = new Map<string, EngineerScoreInputs>();
  for (const j of jobs) {
    if (j.engineer_id === null || j.completed_at === null || j.cancelled === true) continue;
    if (!isBefore(window.from, String(j.completed_at)) || !isAtOrBefore(String(j.completed_at), window.to)) continue;
    const id = String(j.engineer_id);
    const c = byEngineer.get(id) ?? inputs(id, {});
    const mine = upheld.filter((u) => u.order_id === j.order_id);
    byEngineer.set(id, {
      ...c,
      jobs: c.jobs + 1,
      firstTimeFixJobs: c.firstTimeFixJobs + (j.first_time_fix ? 1 : 0),
      checkIns: c.checkIns + (j.checked_in ? 1 : 0),
      onTimeCheckIns: c.onTimeCheckIns + (j.on_time ? 1 : 0),
      ratedJobs: c.ratedJobs + (j.stars !== null ? 1 : 0),
      satisfiedJobs: c.satisfiedJobs + (j.stars !== null && Number(j.stars) >= 4 ? 1 : 0),
      upheldComplaints: c.upheldComplaints + mine.length,
      overchargeJobs: c.overchargeJobs + (mine.some((u) => u.category === 'overcharge') ? 1 : 0),
    });
  }
  return [...byEngineer.values()];
}

describe('the engineer scores projection', () => {
  describe('the engineers', () => {
    it('registers an engineer with a home city and what they serve', () => {
      const h = new History(BOOKED);
      h.add('EngineerRegistered', {
        engineerId: 'eng-1',
        name: '王师傅',
        phone: '13800138000',
        providerType: 'manufacturer',
        providerId: 'midea-sh',
        cities: ['shanghai', 'suzhou'],
        categories: ['air_conditioner', 'washer'],
      });
      expect(scoreRows(h.events).table('score_engineers').get(rowKey(['eng-1']))).toEqual({
        engineer_id: 'eng-1',
        name: '王师傅',
        provider_type: 'manufacturer',
        provider_id: 'midea-sh',
        home_city: 'shanghai',
        cities: 'shanghai,suzhou',
        categories: 'air_conditioner,washer',
        status: 'active',
        last_position: '1',
        updated_at: BOOKED,
      });
    });

    it('marks a suspension until the engineer is reinstated', () => {
      const h = new History(BOOKED);
      h.add('EngineerRegistered', { engineerId: 'eng-1', name: '王师傅', phone: '1', providerType: 'individual', providerId: 'p', cities: ['shanghai'], categories: ['washer'] });
      h.add('EngineerSuspended', { engineerId: 'eng-1', reason: 'safety certificate expired' }, RATED);
      const suspended = scoreRows(h.events).table('score_engineers').get(rowKey(['eng-1']));
      expect(suspended).toMatchObject({ status: 'suspended', last_position: '2', updated_at: RATED });
      h.add('EngineerReinstated', { engineerId: 'eng-1', reason: 'renewed' }, WINDOW.to);
      expect(scoreRows(h.events).table('score_engineers').get(rowKey(['eng-1']))).toMatchObject({ status: 'active', last_position: '3' });
    });
  });

  describe('a job', () => {
    it('records who did it, when it was completed and how it went', () => {
      const h = new History(BOOKED);
      job(h, 'ord-1', { stars: 5 });
      expect(jobRow(h.events, 'ord-1')).toEqual({
        order_id: 'ord-1',
        engineer_id: 'eng-1',
        brand: 'midea',
        category: 'air_conditioner',
        city: 'shanghai',
        created_at: addMs(DONE, -3 * DAY_MS),
        completed_at: DONE,
        outcome: 'fixed',
        fixed: true,
        repeat_order_id: null,
        first_time_fix: true,
        checked_in: true,
        on_time: true,
        stars: 5,
        cancelled: false,
        last_position: '5',
        updated_at: addMs(DONE, HOUR_MS),
      });
    });

    it('credits the engineer of the latest dispatch', () => {
      const h = new History(BOOKED);
      h.add('OrderCreated', orderCreated('ord-1'));
      h.add('EngineerDispatched', { orderId: 'ord-1', engineerId: 'eng-1', category: 'air_conditioner', at: BOOKED, policy: 'enforce', credentials: [], missing: [] });
      h.add('EngineerDispatched', { orderId: 'ord-1', engineerId: 'eng-2', category: 'air_conditioner', at: BOOKED, policy: 'enforce', credentials: [], missing: [] });
      expect(jobRow(h.events, 'ord-1')).toMatchObject({ engineer_id: 'eng-2', checked_in: false, completed_at: null, fixed: false, first_time_fix: false });
    });

    it('is not on time when the check-in came after the appointment window', () => {
      const h = new History(BOOKED);
      job(h, 'ord-1', { late: true, completedAt: addMs(LATE, HOUR_MS) });
      expect(jobRow(h.events, 'ord-1')).toMatchObject({ checked_in: true, on_time: false });
    });

    it('is not fixed when completed as not_fixed, and fixed when installed', () => {
      const h = new History(BOOKED);
      job(h, 'ord-1', { outcome: 'not_fixed' });
      job(h, 'ord-2', { outcome: 'installed' });
      expect(jobRow(h.events, 'ord-1')).toMatchObject({ outcome: 'not_fixed', fixed: false, first_time_fix: false });
      expect(jobRow(h.events, 'ord-2')).toMatchObject({ outcome: 'installed', fixed: true, first_time_fix: true });
    });

    it('is marked cancelled', () => {
      const h = new History(BOOKED);
      h.add('OrderCreated', orderCreated('ord-1'));
      h.add('OrderCancelled', { orderId: 'ord-1', reason: 'customer changed plans' }, ON_SITE);
      expect(jobRow(h.events, 'ord-1')).toMatchObject({ cancelled: true, completed_at: null, updated_at: ON_SITE });
    });
  });

  describe('a repeat visit', () => {
    function repeated(after: number): History {
      const h = new History(BOOKED);
      job(h, 'ord-1');
      h.add('OrderCreated', orderCreated('ord-2', { repeatOf: 'ord-1' }), addMs(DONE, after));
      return h;
    }

    it('booked within 30 days of the completion takes the first-time-fix credit', () => {
      const events = repeated(29 * DAY_MS).events;
      expect(jobRow(events, 'ord-1')).toMatchObject({ fixed: true, repeat_order_id: 'ord-2', first_time_fix: false, last_position: '5' });
      expect(jobRow(events, 'ord-2')).toMatchObject({ repeat_order_id: null, completed_at: null });
    });

    it('booked exactly 30 days after the completion still counts', () => {
      expect(jobRow(repeated(30 * DAY_MS).events, 'ord-1')).toMatchObject({ repeat_order_id: 'ord-2', first_time_fix: false });
    });

    it('booked more than 30 days after the completion leaves the credit', () => {
      expect(jobRow(repeated(30 * DAY_MS + 1).events, 'ord-1')).toMatchObject({ repeat_order_id: null, first_time_fix: true, last_position: '4' });
      expect(jobRow(repeated(45 * DAY_MS).events, 'ord-1')).toMatchObject({ repeat_order_id: null, first_time_fix: true });
    });

    it('booked before the order was completed counts as within the window', () => {
      const h = new History(BOOKED);
      h.add('OrderCreated', orderCreated('ord-1'), BOOKED);
      h.add('OrderCreated', orderCreated('ord-2', { repeatOf: 'ord-1' }), ON_SITE);
      h.add('OrderCompleted', { orderId: 'ord-1', engineerId: 'eng-1', outcome: 'fixed' }, DONE);
      expect(jobRow(h.events, 'ord-1')).toMatchObject({ fixed: true, repeat_order_id: 'ord-2', first_time_fix: false });
    });

    it('is the first one: a later repeat does not replace it', () => {
      const h = repeated(DAY_MS);
      h.add('OrderCreated', orderCreated('ord-3', { repeatOf: 'ord-1' }), addMs(DONE, 2 * DAY_MS));
      expect(jobRow(h.events, 'ord-1')).toMatchObject({ repeat_order_id: 'ord-2' });
    });
  });

  describe('a complaint', () => {
    function complained(category: 'overcharge' | 'late' = 'overcharge'): History {
      const h = new History(BOOKED);
      h.add('ComplaintFiled', {
        complaintId: 'cmp-1',
        orderId: 'ord-1',
        category,
        description: 'charged twice',
        owner: null,
        filedBy: { id: 'cust-1', role: 'customer' },
        order: complaintOrder('eng-1'),
      });
      return h;
    }
    const resolved = (h: History, outcome: 'upheld' | 'partially_upheld' | 'rejected') =>
      h.add('ComplaintResolved', { complaintId: 'cmp-1', outcome, liableParty: 'engineer' }, RATED, supervisor);

    it('is not upheld while unresolved', () => {
      expect(complaintRow(complained().events)).toEqual({
        complaint_id: 'cmp-1',
        order_id: 'ord-1',
        engineer_id: 'eng-1',
        category: 'overcharge',
        upheld: false,
        last_position: '1',
        updated_at: BOOKED,
      });
    });

    it('is upheld when resolved upheld or partially upheld', () => {
      const upheld = complained();
      resolved(upheld, 'upheld');
      const partly = complained();
      resolved(partly, 'partially_upheld');
      expect(complaintRow(upheld.events)).toMatchObject({ upheld: true, last_position: '2', updated_at: RATED });
      expect(complaintRow(partly.events)).toMatchObject({ upheld: true });
    });

    it('is not upheld when rejected', () => {
      const h = complained();
      resolved(h, 'rejected');
      expect(complaintRow(h.events)).toMatchObject({ upheld: false });
    });

    it('is no longer upheld once reopened, until resolved again', () => {
      const h = complained();
      resolved(h, 'upheld');
      h.add('ComplaintReopened', { complaintId: 'cmp-1', reason: 'new evidence' }, WINDOW.to, supervisor);
      expect(complaintRow(h.events)).toMatchObject({ upheld: false, last_position: '3' });
      resolved(h, 'partially_upheld');
      expect(complaintRow(h.events)).toMatchObject({ upheld: true });
    });
  });

  describe('the score', () => {
    // Population: 40 jobs. First-time fix 30/40 = 0.75, on time 32/40 = 0.8, CSAT 24/30 = 0.8,
    // upheld per job 4/40 = 0.1, charge compliance 37/40 = 0.925.
    const e1 = inputs('eng-1', { jobs: 30, firstTimeFixJobs: 24, checkIns: 30, onTimeCheckIns: 27, ratedJobs: 20, satisfiedJobs: 18, upheldComplaints: 1, overchargeJobs: 1 });
    const e2 = inputs('eng-2', { jobs: 10, firstTimeFixJobs: 6, checkIns: 10, onTimeCheckIns: 5, ratedJobs: 10, satisfiedJobs: 6, upheldComplaints: 3, overchargeJobs: 2 });
    const scored = () => scoreEngineers([engineer('eng-3', 'beijing'), engineer('eng-2'), engineer('eng-1')], [e1, e2], WINDOW);

    it('shrinks each rate toward the population mean with weight 20', () => {
      // first-time fix (24 + 20 × 0.75) / 50 = 0.78; on time (27 + 16) / 50 = 0.86; CSAT (18 + 16) / 40 = 0.85;
      // upheld per job (1 + 2) / 50 = 0.06 -> 6 per 100, component 1 − 0.6 = 0.4; compliance (29 + 18.5) / 50 = 0.95.
      // score = 100 × (0.3 × 0.78 + 0.2 × 0.86 + 0.25 × 0.85 + 0.15 × 0.4 + 0.1 × 0.95) = 77.35.
      expect(scored()[0]).toEqual({
        engineer_id: 'eng-1',
        home_city: 'shanghai',
        provider_type: 'manufacturer',
        status: 'active',
        policy_version: 1,
        window_from: WINDOW.from,
        window_to: WINDOW.to,
        jobs: 30,
        first_time_fix_jobs: 24,
        check_ins: 30,
        on_time_check_ins: 27,
        rated_jobs: 20,
        satisfied_jobs: 18,
        upheld_complaints: 1,
        overcharge_jobs: 1,
        pop_first_time_fix: 0.75,
        pop_on_time: 0.8,
        pop_csat: 0.8,
        pop_upheld_per_job: 0.1,
        pop_charge_compliance: 0.925,
        first_time_fix_rate: 0.78,
        on_time_rate: 0.86,
        csat_rate: 0.85,
        upheld_per_100_jobs: 6,
        charge_compliance_rate: 0.95,
        score: 77.35,
        tier: 'C',
      });
    });

    it('scores the complaint component zero at 10 or more upheld complaints per 100 jobs', () => {
      // first-time fix (6 + 15) / 30 = 0.7; on time (5 + 16) / 30 = 0.7; CSAT (6 + 16) / 30 = 0.7333;
      // upheld (3 + 2) / 30 -> 16.6667 per 100, component max(0, 1 − 1.66667) = 0; compliance (8 + 18.5) / 30 = 0.8833.
      // score = 100 × (0.21 + 0.14 + 0.25 × 0.7333 + 0 + 0.1 × 0.8833) = 62.1655 -> 62.17; 10 jobs: tier D.
      expect(scored()[1]).toMatchObject({
        engineer_id: 'eng-2',
        first_time_fix_rate: 0.7,
        on_time_rate: 0.7,
        csat_rate: 0.7333,
        upheld_per_100_jobs: 16.6667,
        charge_compliance_rate: 0.8833,
        score: 62.17,
        tier: 'D',
      });
    });

    it('gives an engineer without jobs the population means and a provisional tier', () => {
      // 100 × (0.3 × 0.75 + 0.2 × 0.8 + 0.25 × 0.8 + 0.15 × max(0, 1 − 10 × 0.1) + 0.1 × 0.925) = 67.75
      expect(scored()[2]).toMatchObject({
        engineer_id: 'eng-3',
        home_city: 'beijing',
        jobs: 0,
        upheld_complaints: 0,
        first_time_fix_rate: 0.75,
        on_time_rate: 0.8,
        csat_rate: 0.8,
        upheld_per_100_jobs: 10,
        charge_compliance_rate: 0.925,
        score: 67.75,
        tier: 'provisional',
      });
    });

    it('returns one row per registered engineer, in engineer order', () => {
      expect(scored().map((r) => r.engineer_id)).toEqual(['eng-1', 'eng-2', 'eng-3']);
    });

    it('counts engineers who are not registered in the population, without a row of their own', () => {
      const rows = scoreEngineers([engineer('eng-1')], [inputs('eng-ghost', { jobs: 10, firstTimeFixJobs: 5, checkIns: 10, onTimeCheckIns: 10, ratedJobs: 4, satisfiedJobs: 1 })], WINDOW);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ engineer_id: 'eng-1', pop_first_time_fix: 0.5, first_time_fix_rate: 0.5, pop_csat: 0.25, csat_rate: 0.25, jobs: 0 });
    });

    it('starts from perfect means when nobody has jobs yet', () => {
      expect(scoreEngineers([engineer('eng-1')], [], WINDOW)[0]).toMatchObject({
        pop_first_time_fix: 1,
        pop_on_time: 1,
        pop_csat: 1,
        pop_upheld_per_job: 0,
        pop_charge_compliance: 1,
        upheld_per_100_jobs: 0,
        score: 100,
        tier: 'provisional',
      });
    });

    it('is provisional under 10 jobs however good, and tiered from 10 jobs on', () => {
      const perfect = (jobs: number) => inputs('eng-1', { jobs, firstTimeFixJobs: jobs, checkIns: jobs, onTimeCheckIns: jobs, ratedJobs: jobs, satisfiedJobs: jobs });
      expect(scoreEngineers([engineer('eng-1')], [perfect(9)], WINDOW)[0]).toMatchObject({ score: 100, tier: 'provisional' });
      expect(scoreEngineers([engineer('eng-1')], [perfect(10)], WINDOW)[0]).toMatchObject({ score: 100, tier: 'A' });
    });

    it('gives the same rows for the same inputs', () => {
      expect(scored()).toEqual(scored());
    });
  });

  describe('the tiers', () => {
    it.each([
      [90, 'A'],
      [89.99, 'B'],
      [80, 'B'],
      [79.99, 'C'],
      [70, 'C'],
      [69.99, 'D'],
      [0, 'D'],
    ])('puts a score of %d with 10 jobs in tier %s', (score, tier) => {
      expect(tierOf(score, 10)).toBe(tier);
    });

    it('are provisional below the minimum sample', () => {
      expect(tierOf(99, 9)).toBe('provisional');
      expect(tierOf(99, 0)).toBe('provisional');
    });
  });

  describe('the window', () => {
    it('ends at the watermark and starts 90 days before it', () => {
      expect(scoreWindow('2026-05-31T12:00:00.000Z')).toEqual(WINDOW);
      expect(scoreWindow('2026-05-31T12:00:00Z', SCORE_POLICY_V1)).toEqual(WINDOW);
    });
  });

  describe('from events to a score', () => {
    it('counts late check-ins, 4-5 star ratings, upheld complaints and overcharges against the engineer', () => {
      const h = new History(BOOKED);
      h.add('EngineerRegistered', { engineerId: 'eng-1', name: '王师傅', phone: '1', providerType: 'manufacturer', providerId: 'midea-sh', cities: ['shanghai'], categories: ['air_conditioner'] });
      job(h, 'ord-1', { stars: 5 });
      job(h, 'ord-2', { stars: 4, late: true, completedAt: addMs(DONE, DAY_MS) });
      job(h, 'ord-3', { stars: 3, completedAt: addMs(DONE, 2 * DAY_MS) });
      h.add('OrderCreated', orderCreated('ord-4', { repeatOf: 'ord-3' }), addMs(DONE, 10 * DAY_MS));
      h.add('OrderCancelled', { orderId: 'ord-4', reason: 'fixed itself' });
      const complaint = (complaintId: string, orderId: string, category: 'overcharge' | 'conduct', outcome: 'upheld' | 'rejected') => {
        h.add('ComplaintFiled', { complaintId, orderId, category, description: '-', owner: null, filedBy: { id: 'cust-1', role: 'customer' }, order: complaintOrder('eng-1') });
        h.add('ComplaintResolved', { complaintId, outcome, liableParty: 'engineer' }, addMs(DONE, 11 * DAY_MS));
      };
      complaint('cmp-1', 'ord-1', 'overcharge', 'upheld');
      complaint('cmp-2', 'ord-1', 'conduct', 'upheld');
      complaint('cmp-3', 'ord-2', 'overcharge', 'rejected');
      // Completed outside the window: it does not count.
      job(h, 'ord-0', { completedAt: addMs(WINDOW.from, -DAY_MS) });

      const set = scoreRows(h.events);
      const counted = aggregate([...set.table('score_jobs').values()], [...set.table('score_complaints').values()], WINDOW);
      expect(counted).toEqual([
        inputs('eng-1', { jobs: 3, firstTimeFixJobs: 2, checkIns: 3, onTimeCheckIns: 2, ratedJobs: 3, satisfiedJobs: 2, upheldComplaints: 2, overchargeJobs: 1 }),
      ]);
      // Alone in the population, the engineer's rates are the means, rounded: 0.6667. Upheld per job is
      // 2/3 too, and per 100 jobs is computed from the rounded mean: 100 × (2 + 20 × 0.6667) / 23 = 66.6696
      // (component 0). score = 100 × (0.3 + 0.2 + 0.25 + 0.1) × 0.6667 = 56.67.
      expect(scoreEngineers([...set.table('score_engineers').values()], counted, WINDOW)).toEqual([
        expect.objectContaining({ jobs: 3, first_time_fix_rate: 0.6667, on_time_rate: 0.6667, csat_rate: 0.6667, upheld_per_100_jobs: 66.6696, charge_compliance_rate: 0.6667, score: 56.67, tier: 'provisional' }),
      ]);
    });
  });
});
