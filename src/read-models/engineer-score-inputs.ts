import { type Kysely, sql } from 'kysely';
import { type EngineerScoreInputs, SCORE_POLICY_V1, scoreEngineers, scoreWindow } from '../../projections/engineer-scores.projection.js';
import { decodeCell } from './read-store.js';
import type { DerivedTable } from './projection-engine.js';

type Db = Kysely<any>;

const ENGINEER_COLUMNS = ['engineer_id', 'name', 'provider_type', 'provider_id', 'home_city', 'cities', 'categories', 'status', 'last_position', 'updated_at'];

/**
 * The engineer scores table, recomputed from the job and complaint rows: one aggregate query per
 * refresh gives each engineer's counts over the jobs completed in the policy window ending at
 * the watermark (the newest event the projection handled); `scoreEngineers` (pure) turns them
 * into scores. The same tables and watermark give the same scores, whenever it runs.
 */
export const engineerScoresDerived: DerivedTable = {
  projection: 'engineer-scores',
  table: 'engineer_scores',
  async compute(db: Db, physical: (table: string) => string, watermark: string) {
    const window = scoreWindow(watermark, SCORE_POLICY_V1);
    const jobs = sql.table(physical('score_jobs'));
    const complaints = sql.table(physical('score_complaints'));
    const counted = await sql<Record<string, unknown>>`
      SELECT j.engineer_id AS engineer_id,
             count(*) AS jobs,
             sum(CASE WHEN j.first_time_fix THEN 1 ELSE 0 END) AS first_time_fix_jobs,
             sum(CASE WHEN j.checked_in THEN 1 ELSE 0 END) AS check_ins,
             sum(CASE WHEN j.on_time THEN 1 ELSE 0 END) AS on_time_check_ins,
             sum(CASE WHEN j.stars IS NOT NULL THEN 1 ELSE 0 END) AS rated_jobs,
             sum(CASE WHEN j.stars >= 4 THEN 1 ELSE 0 END) AS satisfied_jobs,
             sum(coalesce(c.upheld, 0)) AS upheld_complaints,
             sum(coalesce(c.overcharge, 0)) AS overcharge_jobs
        FROM ${jobs} j
        LEFT JOIN (SELECT order_id,
                          count(*) AS upheld,
                          max(CASE WHEN category = 'overcharge' THEN 1 ELSE 0 END) AS overcharge
                     FROM ${complaints}
                    WHERE upheld
                    GROUP BY order_id) c ON c.order_id = j.order_id
       WHERE j.engineer_id IS NOT NULL
         AND j.completed_at IS NOT NULL
         AND NOT j.cancelled
         AND j.completed_at > ${window.from}
         AND j.completed_at <= ${window.to}
       GROUP BY j.engineer_id
       ORDER BY j.engineer_id`.execute(db);
    const n = (v: unknown) => decodeCell('integer', v) as number;
    const inputs: EngineerScoreInputs[] = counted.rows.map((r) => ({
      engineerId: String(r.engineer_id),
      jobs: n(r.jobs),
      firstTimeFixJobs: n(r.first_time_fix_jobs),
      checkIns: n(r.check_ins),
      onTimeCheckIns: n(r.on_time_check_ins),
      ratedJobs: n(r.rated_jobs),
      satisfiedJobs: n(r.satisfied_jobs),
      upheldComplaints: n(r.upheld_complaints),
      overchargeJobs: n(r.overcharge_jobs),
    }));
    const engineers = await db.selectFrom(physical('score_engineers')).select(ENGINEER_COLUMNS).orderBy('engineer_id').execute();
    return scoreEngineers(engineers as never, inputs, window, SCORE_POLICY_V1);
  },
};
