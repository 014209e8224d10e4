/**
 * Engineer quality score, policy v1 (优工优酬, DESIGN "Projections"). Every score row carries its
 * inputs, the population means and the policy version, so an auditor can recompute it from the
 * row alone:
 *
 *   Window     jobs completed in (window_from, window_to]: window_to is the recorded time of the
 *              newest event the projection handled, window_from = window_to − 90 days.
 *   Job        an order whose latest dispatch went to the engineer, completed in the window and not
 *              cancelled. Per engineer, over those jobs:
 *                jobs
 *                first_time_fix_jobs  completed with an outcome other than not_fixed, and no
 *                                     repeat-visit order (an order created with repeatOf = this
 *                                     order) within 30 days of the completion
 *                check_ins, on_time_check_ins   checked in; checked in before the appointment
 *                                     window ended (EngineerCheckedIn.late = false)
 *                rated_jobs, satisfied_jobs     rated; rated 4 or 5 stars
 *                upheld_complaints    complaints on the jobs whose standing resolution is upheld
 *                                     or partially_upheld
 *                overcharge_jobs      jobs with at least one upheld overcharge complaint
 *
 *   Shrinkage  each rate is pulled toward the population mean with weight k = 20, so a small
 *              sample cannot swing it:
 *                shrunk(s, n, m) = (s + k·m) / (n + k)
 *              m = Σ s / Σ n over the inputs of every engineer with jobs in the window; when Σ n = 0,
 *              m = 1 (0 for upheld complaints per job).
 *
 *                first_time_fix_rate     = shrunk(first_time_fix_jobs, jobs, pop_first_time_fix)
 *                on_time_rate            = shrunk(on_time_check_ins, check_ins, pop_on_time)
 *                csat_rate               = shrunk(satisfied_jobs, rated_jobs, pop_csat)
 *                upheld_per_100_jobs     = 100 × shrunk(upheld_complaints, jobs, pop_upheld_per_job)
 *                charge_compliance_rate  = shrunk(jobs − overcharge_jobs, jobs, pop_charge_compliance)
 *
 *   Score      score = 100 × ( 0.30 × first_time_fix_rate
 *                            + 0.20 × on_time_rate
 *                            + 0.25 × csat_rate
 *                            + 0.15 × max(0, 1 − 10 × upheld_per_100_jobs / 100)
 *                            + 0.10 × charge_compliance_rate )
 *              (the complaint component is max(0, 1 − 10 × upheld complaints per job): one upheld
 *              complaint in ten jobs scores it zero.)
 *
 *   Tier       provisional when jobs < 10; otherwise A (score ≥ 90), B (≥ 80), C (≥ 70), else D.
 *
 *   Rounding   half up, in this order, each step using the rounded values before it (which are
 *              the ones the row shows): population means and rates to 4 decimals,
 *              upheld_per_100_jobs to 4 decimals, score to 2 decimals. Computed in integers, so
 *              the same inputs give the same row on every machine.
 */
import { addMs, DAY_MS, isAtOrBefore, normalizeInstant } from '../src/shared/time.js';
import type { ComplaintFiled, ComplaintResolved } from '../src/complaints/domain/complaint.events.js';
import type { EngineerRegistered } from '../src/engineers/domain/engineer.events.js';
import type { EngineerCheckedIn, EngineerDispatched, OrderCompleted, OrderCreated, OrderRated } from '../src/orders/domain/order.events.js';
import type { ProjectedEvent, Projection, Row, RowChange, TableSpec } from './projection.js';
import { change, conform, keyOf, recordedAt } from './row-change.js';
import { ProjectionError } from './projection.js';

const NAME = 'engineer-scores';

// The policy -----------------------------------------------------------------------------------

export interface ScorePolicy {
  version: number;
  /** Jobs completed within this many days before the watermark count. */
  windowDays: number;
  /** A repeat-visit order created within this many days of a completion takes its first-time-fix credit. */
  repeatVisitDays: number;
  /** Shrinkage weight: how many jobs' worth of the population mean each rate starts from. */
  k: number;
  /** Fewer jobs than this in the window: tier provisional. */
  minJobs: number;
  /** Component weights; they add up to 1 and have at most two decimals. */
  weights: { firstTimeFix: number; onTime: number; csat: number; complaints: number; chargeCompliance: number };
  /** Complaint component = max(0, 1 − upheldPenalty × upheld complaints per job). */
  upheldPenalty: number;
  /** Lowest score of each tier (for engineers with at least minJobs jobs); below C is D. */
  tiers: { A: number; B: number; C: number };
}

export const SCORE_POLICY_V1: Readonly<ScorePolicy> = Object.freeze({
  version: 1,
  windowDays: 90,
  repeatVisitDays: 30,
  k: 20,
  minJobs: 10,
  weights: Object.freeze({ firstTimeFix: 0.3, onTime: 0.2, csat: 0.25, complaints: 0.15, chargeCompliance: 0.1 }),
  upheldPenalty: 10,
  tiers: Object.freeze({ A: 90, B: 80, C: 70 }),
});

export type ScoreTier = 'A' | 'B' | 'C' | 'D' | 'provisional';

/** One engineer's counts over the jobs completed within the window and not cancelled. */
export interface EngineerScoreInputs {
  engineerId: string;
  jobs: number;
  firstTimeFixJobs: number;
  checkIns: number;
  onTimeCheckIns: number;
  ratedJobs: number;
  satisfiedJobs: number;
  upheldComplaints: number;
  overchargeJobs: number;
}

/** The score window ending at `asOf` (the watermark): jobs completed after `from` and at or before `to` count. */
export function scoreWindow(asOf: string, policy: ScorePolicy = SCORE_POLICY_V1): { from: string; to: string } {
  return { from: addMs(asOf, -policy.windowDays * DAY_MS), to: normalizeInstant(asOf) };
}

/** The tier of a (rounded) score: provisional under the minimum sample, then by the policy's thresholds. */
export function tierOf(score: number, jobs: number, policy: ScorePolicy = SCORE_POLICY_V1): ScoreTier {
  if (jobs < policy.minJobs) return 'provisional';
  return score >= policy.tiers.A ? 'A' : score >= policy.tiers.B ? 'B' : score >= policy.tiers.C ? 'C' : 'D';
}

// Tables ---------------------------------------------------------------------------------------

const ROW_META = [
  { name: 'last_position', type: 'text', description: 'Global event position (decimal) of the last event that changed this row.' },
  { name: 'updated_at', type: 'timestamp', description: 'When the last event that changed this row was recorded (ISO-8601 UTC).' },
] as const satisfies TableSpec['columns'];

export const SCORE_ENGINEERS_TABLE: TableSpec = {
  name: 'score_engineers',
  description: 'One row per registered engineer: who they are and whether they may work. The population the engineer scores are computed for.',
  columns: [
    { name: 'engineer_id', type: 'text', description: 'The engineer.' },
    { name: 'name', type: 'text', description: "Engineer's name as registered." },
    { name: 'provider_type', type: 'text', description: 'Kind of service provider the engineer works for: manufacturer, retailer, independent or individual.' },
    { name: 'provider_id', type: 'text', description: 'The service provider the engineer works for.' },
    { name: 'home_city', type: 'text', description: 'First city the engineer registered to serve.' },
    { name: 'cities', type: 'text', description: 'Cities served, comma-separated, in registration order.' },
    { name: 'categories', type: 'text', description: 'Product categories served, comma-separated, in registration order.' },
    { name: 'status', type: 'text', description: 'active, or suspended (until reinstated).' },
    ...ROW_META,
  ],
  primaryKey: ['engineer_id'],
};

export const SCORE_JOBS_TABLE: TableSpec = {
  name: 'score_jobs',
  description:
    'One row per service order, with what the engineer score needs from it: who did it, when it was completed, whether it was fixed the first time, whether the engineer arrived on time, and the rating.',
  columns: [
    { name: 'order_id', type: 'text', description: 'The service order.' },
    { name: 'engineer_id', type: 'text', nullable: true, description: 'Engineer of the latest dispatch, credited with the job; null until dispatched.' },
    { name: 'brand', type: 'text', description: 'Brand of the appliance.' },
    { name: 'category', type: 'text', description: 'Product category of the appliance.' },
    { name: 'city', type: 'text', description: 'City of the service address.' },
    { name: 'created_at', type: 'timestamp', description: 'When the order was booked.' },
    { name: 'completed_at', type: 'timestamp', nullable: true, description: 'When the order was completed; null until then. Decides whether the job falls in a score window.' },
    { name: 'outcome', type: 'text', nullable: true, description: 'Completion outcome: fixed, not_fixed, installed or done; null until completed.' },
    { name: 'fixed', type: 'boolean', description: 'Completed with an outcome other than not_fixed.' },
    {
      name: 'repeat_order_id',
      type: 'text',
      nullable: true,
      description:
        'The first later order booked as a repeat visit of this one (repeatOf = this order) within 30 days of its completion, or at any time before its completion; null when there is none.',
    },
    { name: 'first_time_fix', type: 'boolean', description: 'fixed and no repeat_order_id: the problem was solved in one visit.' },
    { name: 'checked_in', type: 'boolean', description: 'The engineer checked in on site.' },
    { name: 'on_time', type: 'boolean', description: 'Checked in before the appointment window ended.' },
    { name: 'stars', type: 'integer', nullable: true, description: "Customer's rating, 1-5 stars; null until rated. 4 and 5 count as satisfied." },
    { name: 'cancelled', type: 'boolean', description: 'The order was cancelled: it never counts as a job.' },
    ...ROW_META,
  ],
  primaryKey: ['order_id'],
  indexes: [['engineer_id', 'completed_at'], ['completed_at']],
};

export const SCORE_COMPLAINTS_TABLE: TableSpec = {
  name: 'score_complaints',
  description: 'One row per complaint, with whether its standing resolution holds the complaint to be justified. Counted against the job (order) it is about.',
  columns: [
    { name: 'complaint_id', type: 'text', description: 'The complaint.' },
    { name: 'order_id', type: 'text', description: 'The service order complained about.' },
    { name: 'engineer_id', type: 'text', nullable: true, description: 'Engineer dispatched to the order when the complaint was filed; null if none was.' },
    { name: 'category', type: 'text', description: 'overcharge, no_show, late, workmanship, damage, fake_part, conduct or other.' },
    {
      name: 'upheld',
      type: 'boolean',
      description: 'The standing resolution is upheld or partially_upheld. False while unresolved, when rejected, and after a reopen until resolved again.',
    },
    ...ROW_META,
  ],
  primaryKey: ['complaint_id'],
  indexes: [['order_id']],
};

const REAL_NOTE = 'Rounded half up to 4 decimals.';

export const ENGINEER_SCORES_TABLE: TableSpec = {
  name: 'engineer_scores',
  description:
    'One row per registered engineer: the quality score under the policy named in policy_version, with the counts it was computed from, the population means the rates were shrunk toward and each shrunk rate, so the score can be recomputed from the row (see the README for the formula). Recomputed from score_jobs, score_complaints and score_engineers whenever events change them; the window ends at the newest event the projection handled.',
  columns: [
    { name: 'engineer_id', type: 'text', description: 'The engineer.' },
    { name: 'home_city', type: 'text', description: 'First city the engineer registered to serve.' },
    { name: 'provider_type', type: 'text', description: 'manufacturer, retailer, independent or individual.' },
    { name: 'status', type: 'text', description: 'active or suspended, as the engineer stands now.' },
    { name: 'policy_version', type: 'integer', description: 'Version of the scoring policy applied (1).' },
    { name: 'window_from', type: 'timestamp', description: 'Start of the score window (exclusive): window_to − 90 days.' },
    { name: 'window_to', type: 'timestamp', description: 'End of the score window (inclusive): the recorded time of the newest event the projection handled.' },
    { name: 'jobs', type: 'integer', description: 'Jobs completed in the window and not cancelled, on orders whose latest dispatch went to the engineer.' },
    { name: 'first_time_fix_jobs', type: 'integer', description: 'Of those, jobs fixed without a repeat-visit order within 30 days.' },
    { name: 'check_ins', type: 'integer', description: 'Of those, jobs the engineer checked in on.' },
    { name: 'on_time_check_ins', type: 'integer', description: 'Of those, check-ins before the appointment window ended.' },
    { name: 'rated_jobs', type: 'integer', description: 'Of the jobs, those the customer rated.' },
    { name: 'satisfied_jobs', type: 'integer', description: 'Of those, ratings of 4 or 5 stars.' },
    { name: 'upheld_complaints', type: 'integer', description: 'Complaints on the jobs whose standing resolution is upheld or partially upheld.' },
    { name: 'overcharge_jobs', type: 'integer', description: 'Jobs with at least one upheld overcharge complaint.' },
    { name: 'pop_first_time_fix', type: 'real', description: `Population first-time-fix rate (all engineers' first_time_fix_jobs / jobs; 1 when nobody has jobs). ${REAL_NOTE}` },
    { name: 'pop_on_time', type: 'real', description: `Population on-time rate (on_time_check_ins / check_ins; 1 when there are none). ${REAL_NOTE}` },
    { name: 'pop_csat', type: 'real', description: `Population satisfaction rate (satisfied_jobs / rated_jobs; 1 when there are none). ${REAL_NOTE}` },
    { name: 'pop_upheld_per_job', type: 'real', description: `Population upheld complaints per job (upheld_complaints / jobs; 0 when nobody has jobs). ${REAL_NOTE}` },
    {
      name: 'pop_charge_compliance',
      type: 'real',
      description: `Population charge compliance ((jobs − overcharge_jobs) / jobs; 1 when nobody has jobs). ${REAL_NOTE}`,
    },
    { name: 'first_time_fix_rate', type: 'real', description: `(first_time_fix_jobs + 20 × pop_first_time_fix) / (jobs + 20). ${REAL_NOTE}` },
    { name: 'on_time_rate', type: 'real', description: `(on_time_check_ins + 20 × pop_on_time) / (check_ins + 20). ${REAL_NOTE}` },
    { name: 'csat_rate', type: 'real', description: `(satisfied_jobs + 20 × pop_csat) / (rated_jobs + 20). ${REAL_NOTE}` },
    {
      name: 'upheld_per_100_jobs',
      type: 'real',
      description: `100 × (upheld_complaints + 20 × pop_upheld_per_job) / (jobs + 20). The complaint component is max(0, 1 − upheld_per_100_jobs / 10). ${REAL_NOTE}`,
    },
    {
      name: 'charge_compliance_rate',
      type: 'real',
      description: `(jobs − overcharge_jobs + 20 × pop_charge_compliance) / (jobs + 20). ${REAL_NOTE}`,
    },
    {
      name: 'score',
      type: 'real',
      description:
        '0-100: 100 × (0.30 first_time_fix_rate + 0.20 on_time_rate + 0.25 csat_rate + 0.15 max(0, 1 − upheld_per_100_jobs / 10) + 0.10 charge_compliance_rate), rounded half up to 2 decimals.',
    },
    { name: 'tier', type: 'text', description: "provisional when jobs < 10; otherwise A (score ≥ 90), B (≥ 80), C (≥ 70) or D." },
  ],
  primaryKey: ['engineer_id'],
  indexes: [['tier', 'score'], ['home_city', 'score']],
};

// Scoring --------------------------------------------------------------------------------------

/** Fixed point of rates, means and upheld-per-100: 4 decimals. */
const RATE_SCALE = 10_000;

/** num / den rounded half up to an integer; num ≥ 0, den > 0, both integers. */
const halfUp = (num: number, den: number): number => Math.floor((2 * num + den) / (2 * den));

function checkPolicy(policy: ScorePolicy): void {
  const w = policy.weights;
  const percents = [w.firstTimeFix, w.onTime, w.csat, w.complaints, w.chargeCompliance].map((x) => Math.round(x * 100));
  const integral = [policy.k, policy.upheldPenalty, policy.minJobs, policy.windowDays].every((x) => Number.isSafeInteger(x) && x >= 0);
  if (!integral || policy.k === 0 || percents.reduce((a, b) => a + b, 0) !== 100) {
    throw new RangeError(`score policy v${policy.version}: k, minJobs, windowDays and upheldPenalty must be whole numbers (k > 0) and the weights whole percents adding up to 1`);
  }
}

type Counts = Omit<EngineerScoreInputs, 'engineerId'>;

const NO_COUNTS: Counts = { jobs: 0, firstTimeFixJobs: 0, checkIns: 0, onTimeCheckIns: 0, ratedJobs: 0, satisfiedJobs: 0, upheldComplaints: 0, overchargeJobs: 0 };
const COUNT_FIELDS = Object.keys(NO_COUNTS) as (keyof Counts)[];

function add(a: Counts, b: Counts): Counts {
  const out = { ...a };
  for (const f of COUNT_FIELDS) out[f] = a[f] + b[f];
  return out;
}

/**
 * The engineer_scores rows: one per registered engineer (`engineers` are score_engineers rows),
 * from the counts of the engineers with jobs in the window (`inputs`; the runner computes them
 * with one aggregate query). Engineers without inputs get zero counts: their rates are the
 * population means, their tier provisional. Inputs of engineers not registered still count in
 * the population means. Pure: the same rows, inputs and window give the same rows.
 */
export function scoreEngineers(engineers: Row[], inputs: EngineerScoreInputs[], window: { from: string; to: string }, policy: ScorePolicy = SCORE_POLICY_V1): Row[] {
  checkPolicy(policy);
  const byEngineer = new Map<string, Counts>();
  for (const input of inputs) {
    for (const f of COUNT_FIELDS) {
      if (!Number.isSafeInteger(input[f]) || input[f] < 0) throw new RangeError(`score inputs of ${input.engineerId}: ${f} must be a non-negative integer, not ${String(input[f])}`);
    }
    const { jobs, firstTimeFixJobs, checkIns, onTimeCheckIns, ratedJobs, satisfiedJobs, overchargeJobs } = input;
    if (firstTimeFixJobs > jobs || checkIns > jobs || onTimeCheckIns > checkIns || ratedJobs > jobs || satisfiedJobs > ratedJobs || overchargeJobs > jobs) {
      throw new RangeError(`score inputs of ${input.engineerId}: a count of successes exceeds its trials`);
    }
    const counts: Counts = { ...NO_COUNTS };
    for (const f of COUNT_FIELDS) counts[f] = input[f];
    byEngineer.set(input.engineerId, add(byEngineer.get(input.engineerId) ?? NO_COUNTS, counts));
  }
  const pop = [...byEngineer.values()].reduce(add, NO_COUNTS);
  /** A population mean in 1/10,000: successes / trials, or `none` when there are no trials. */
  const mean = (successes: number, trials: number, none: number) => (trials === 0 ? none * RATE_SCALE : halfUp(successes * RATE_SCALE, trials));
  const means = {
    firstTimeFix: mean(pop.firstTimeFixJobs, pop.jobs, 1),
    onTime: mean(pop.onTimeCheckIns, pop.checkIns, 1),
    csat: mean(pop.satisfiedJobs, pop.ratedJobs, 1),
    upheldPerJob: mean(pop.upheldComplaints, pop.jobs, 0),
    chargeCompliance: mean(pop.jobs - pop.overchargeJobs, pop.jobs, 1),
  };
  const { k, weights } = policy;
  const percent = (w: number) => Math.round(w * 100);
  /** (s + k·m) / (n + k) in 1/10,000, m being a mean in 1/10,000. */
  const shrunk = (successes: number, trials: number, meanScaled: number) => halfUp(successes * RATE_SCALE + k * meanScaled, trials + k);
  const real = (scaled: number) => scaled / RATE_SCALE;
  const window_from = normalizeInstant(window.from);
  const window_to = normalizeInstant(window.to);

  const registered = [...engineers].sort((a, b) => (String(a.engineer_id) < String(b.engineer_id) ? -1 : String(a.engineer_id) > String(b.engineer_id) ? 1 : 0));
  return registered.map((engineer) => {
    const c = byEngineer.get(String(engineer.engineer_id)) ?? NO_COUNTS;
    const firstTimeFix = shrunk(c.firstTimeFixJobs, c.jobs, means.firstTimeFix);
    const onTime = shrunk(c.onTimeCheckIns, c.checkIns, means.onTime);
    const csat = shrunk(c.satisfiedJobs, c.ratedJobs, means.csat);
    // Upheld complaints per 100 jobs in 1/10,000: 100 × shrunk(upheld, jobs, mean per job).
    const upheldPer100 = halfUp(100 * (c.upheldComplaints * RATE_SCALE + k * means.upheldPerJob), c.jobs + k);
    const chargeCompliance = shrunk(c.jobs - c.overchargeJobs, c.jobs, means.chargeCompliance);
    // The components in 1/100,000 (a rate in 1/10,000 times 10), so that the complaint
    // component 1 − penalty × per-job rate = 1 − penalty × upheldPer100 / 1,000,000 stays whole.
    const complaints = Math.max(0, 100_000 - (policy.upheldPenalty * upheldPer100) / 10);
    const weighted =
      percent(weights.firstTimeFix) * firstTimeFix * 10 +
      percent(weights.onTime) * onTime * 10 +
      percent(weights.csat) * csat * 10 +
      percent(weights.complaints) * complaints +
      percent(weights.chargeCompliance) * chargeCompliance * 10;
    // score = 100 × Σ (percent / 100) × (component / 100,000) = weighted / 100,000; in hundredths:
    const score = halfUp(weighted, 1_000) / 100;
    return conform(ENGINEER_SCORES_TABLE, {
      engineer_id: engineer.engineer_id ?? null,
      home_city: engineer.home_city ?? null,
      provider_type: engineer.provider_type ?? null,
      status: engineer.status ?? null,
      policy_version: policy.version,
      window_from,
      window_to,
      jobs: c.jobs,
      first_time_fix_jobs: c.firstTimeFixJobs,
      check_ins: c.checkIns,
      on_time_check_ins: c.onTimeCheckIns,
      rated_jobs: c.ratedJobs,
      satisfied_jobs: c.satisfiedJobs,
      upheld_complaints: c.upheldComplaints,
      overcharge_jobs: c.overchargeJobs,
      pop_first_time_fix: real(means.firstTimeFix),
      pop_on_time: real(means.onTime),
      pop_csat: real(means.csat),
      pop_upheld_per_job: real(means.upheldPerJob),
      pop_charge_compliance: real(means.chargeCompliance),
      first_time_fix_rate: real(firstTimeFix),
      on_time_rate: real(onTime),
      csat_rate: real(csat),
      upheld_per_100_jobs: real(upheldPer100),
      charge_compliance_rate: real(chargeCompliance),
      score,
      tier: tierOf(score, c.jobs, policy),
    });
  });
}

// Source rows ----------------------------------------------------------------------------------

/** First-time fix follows from the facts of the job row. */
const withFirstTimeFix = (row: Row): Row => ({ ...row, first_time_fix: row.fixed === true && row.repeat_order_id === null });

function bookedJob(d: OrderCreated['data'], at: string): Row {
  return {
    order_id: d.orderId,
    engineer_id: null,
    brand: d.product.brand,
    category: d.product.category,
    city: d.customer.city,
    created_at: at,
    completed_at: null,
    outcome: null,
    fixed: false,
    repeat_order_id: null,
    first_time_fix: false,
    checked_in: false,
    on_time: false,
    stars: null,
    cancelled: false,
  };
}

function registeredEngineer(event: ProjectedEvent, d: EngineerRegistered['data']): Row {
  const list = (value: unknown, field: string): string[] => {
    if (!Array.isArray(value) || value.length === 0 || !value.every((v) => typeof v === 'string' && v !== '' && !v.includes(','))) {
      throw new ProjectionError(NAME, event, `${field} must be a non-empty list of names without commas`);
    }
    return value as string[];
  };
  const cities = list(d.cities, 'cities');
  return {
    engineer_id: d.engineerId,
    name: d.name,
    provider_type: d.providerType,
    provider_id: d.providerId,
    home_city: cities[0]!,
    cities: cities.join(','),
    categories: list(d.categories, 'categories').join(','),
    status: 'active',
  };
}

// The projection -------------------------------------------------------------------------------

const HANDLES = [
  'EngineerRegistered',
  'EngineerSuspended',
  'EngineerReinstated',
  'OrderCreated',
  'EngineerDispatched',
  'EngineerCheckedIn',
  'OrderCompleted',
  'OrderRated',
  'OrderCancelled',
  'ComplaintFiled',
  'ComplaintResolved',
  'ComplaintReopened',
] as const;

const UPHELD: readonly string[] = ['upheld', 'partially_upheld'];

/**
 * The source tables of the scores, maintained event by event; engineer_scores is derived from
 * them (scoreEngineers). Rows are never invented for an event whose subject was not seen: an
 * order's, engineer's or complaint's events all follow its first event in one stream.
 */
function engineerScores(policy: ScorePolicy): Projection {
  checkPolicy(policy);
  const repeatWindowMs = policy.repeatVisitDays * DAY_MS;

  function project(event: ProjectedEvent): RowChange[] {
    if (event.schemaVersion !== 1) throw new ProjectionError(NAME, event, `schema version ${event.schemaVersion} is not one this projection reads`);
    const at = recordedAt(NAME, event);
    const data = (event.data ?? {}) as { engineerId?: unknown; orderId?: unknown; complaintId?: unknown };
    const engineer = (f: (row: Row) => Row) => {
      const id = keyOf(NAME, event, data.engineerId, 'engineerId');
      return change(SCORE_ENGINEERS_TABLE, [id], event, (current) => current && f(current));
    };
    const job = (f: (row: Row) => Row) => {
      const id = keyOf(NAME, event, data.orderId, 'orderId');
      return change(SCORE_JOBS_TABLE, [id], event, (current) => current && withFirstTimeFix(f(current)));
    };
    const complaint = (f: (row: Row) => Row) => {
      const id = keyOf(NAME, event, data.complaintId, 'complaintId');
      return change(SCORE_COMPLAINTS_TABLE, [id], event, (current) => current && f(current));
    };

    switch (event.type as (typeof HANDLES)[number]) {
      case 'EngineerRegistered': {
        const d = event.data as EngineerRegistered['data'];
        const id = keyOf(NAME, event, d.engineerId, 'engineerId');
        return [change(SCORE_ENGINEERS_TABLE, [id], event, (current) => (current ? undefined : registeredEngineer(event, d)))];
      }
      case 'EngineerSuspended':
        return [engineer((row) => ({ ...row, status: 'suspended' }))];
      case 'EngineerReinstated':
        return [engineer((row) => ({ ...row, status: 'active' }))];
      case 'OrderCreated': {
        const d = event.data as OrderCreated['data'];
        const id = keyOf(NAME, event, d.orderId, 'orderId');
        const changes = [change(SCORE_JOBS_TABLE, [id], event, (current) => (current ? undefined : bookedJob(d, at)))];
        if (d.repeatOf !== undefined && d.repeatOf !== id) {
          // A repeat visit takes the first-time-fix credit of the order it repeats, when booked
          // within repeatVisitDays of that order's completion (or before it completed). Only the
          // first such repeat is recorded.
          const original = keyOf(NAME, event, d.repeatOf, 'repeatOf');
          changes.push(
            change(SCORE_JOBS_TABLE, [original], event, (current) =>
              current && current.repeat_order_id === null && (current.completed_at === null || isAtOrBefore(at, addMs(String(current.completed_at), repeatWindowMs)))
                ? withFirstTimeFix({ ...current, repeat_order_id: id })
                : undefined,
            ),
          );
        }
        return changes;
      }
      case 'EngineerDispatched': {
        const d = event.data as EngineerDispatched['data'];
        return [job((row) => ({ ...row, engineer_id: d.engineerId }))];
      }
      case 'EngineerCheckedIn': {
        const d = event.data as EngineerCheckedIn['data'];
        if (typeof d.late !== 'boolean') throw new ProjectionError(NAME, event, 'late must be true or false');
        return [job((row) => ({ ...row, checked_in: true, on_time: !d.late }))];
      }
      case 'OrderCompleted': {
        const d = event.data as OrderCompleted['data'];
        return [job((row) => ({ ...row, completed_at: at, outcome: d.outcome, fixed: d.outcome !== 'not_fixed' }))];
      }
      case 'OrderRated': {
        const d = event.data as OrderRated['data'];
        return [job((row) => ({ ...row, stars: d.stars }))];
      }
      case 'OrderCancelled':
        return [job((row) => ({ ...row, cancelled: true }))];
      case 'ComplaintFiled': {
        const d = event.data as ComplaintFiled['data'];
        const id = keyOf(NAME, event, d.complaintId, 'complaintId');
        return [
          change(SCORE_COMPLAINTS_TABLE, [id], event, (current) =>
            current
              ? undefined
              : { complaint_id: id, order_id: d.orderId, engineer_id: d.order.engineerId ?? null, category: d.category, upheld: false },
          ),
        ];
      }
      case 'ComplaintResolved': {
        const d = event.data as ComplaintResolved['data'];
        return [complaint((row) => ({ ...row, upheld: UPHELD.includes(d.outcome) }))];
      }
      case 'ComplaintReopened':
        // The resolution did not hold; it counts again only once resolved again.
        return [complaint((row) => ({ ...row, upheld: false }))];
    }
    // Unreachable through a RowSet, which passes only the handled types.
    return [];
  }

  return {
    name: NAME,
    version: 1,
    // The job rows depend on the repeat-visit window; the derived scores are recomputed anyway.
    settings: { policyVersion: policy.version, repeatVisitDays: policy.repeatVisitDays },
    tables: [SCORE_ENGINEERS_TABLE, SCORE_JOBS_TABLE, SCORE_COMPLAINTS_TABLE, ENGINEER_SCORES_TABLE],
    handles: HANDLES,
    project,
  };
}

export const engineerScoresProjection: Projection = engineerScores(SCORE_POLICY_V1);
