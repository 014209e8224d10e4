import { type Kysely, sql } from 'kysely';

type Db = Kysely<any>;

/** The complaint view's aggregate dimensions: each gets a SQL view `complaint_stats_by_<name>`. */
export const COMPLAINT_STAT_DIMENSIONS = { category: 'category', brand: 'brand', engineer: 'engineer_id', city: 'city' } as const;
export type ComplaintStatDimension = keyof typeof COMPLAINT_STAT_DIMENSIONS;

export interface ViewSpec {
  projection: string;
  name: string;
  description: string;
  create(db: Db): Promise<void>;
}

/**
 * Aggregates over the complaint view, as plain SQL views: always consistent with the rows, the
 * same in SQLite and PostgreSQL, and queryable from any SQL client.
 */
export const VIEWS: ViewSpec[] = Object.entries(COMPLAINT_STAT_DIMENSIONS).map(([name, column]) => ({
  projection: 'complaints',
  name: `complaint_stats_by_${name}`,
  description: `complaints per ${column}: filed, open, upheld (incl. partially), compensated fen, acknowledge and resolve SLA breaches`,
  async create(db: Db) {
    await sql`CREATE VIEW ${sql.table(`complaint_stats_by_${name}`)} AS
      SELECT ${sql.ref(column)} AS key,
             count(*) AS complaints,
             sum(CASE WHEN status <> 'resolved' THEN 1 ELSE 0 END) AS open_complaints,
             sum(CASE WHEN outcome IN ('upheld', 'partially_upheld') THEN 1 ELSE 0 END) AS upheld,
             sum(compensated_fen) AS compensated_fen,
             sum(CASE WHEN ack_sla = 'breached' THEN 1 ELSE 0 END) AS ack_breached,
             sum(CASE WHEN resolve_sla = 'breached' THEN 1 ELSE 0 END) AS resolve_breached
        FROM complaint_views
       WHERE ${sql.ref(column)} IS NOT NULL
       GROUP BY ${sql.ref(column)}`.execute(db);
  },
}));

export async function dropViews(db: Db, projection: string): Promise<void> {
  for (const view of VIEWS.filter((v) => v.projection === projection)) await db.schema.dropView(view.name).ifExists().execute();
}

export async function createViews(db: Db, projection: string): Promise<void> {
  for (const view of VIEWS.filter((v) => v.projection === projection)) {
    await db.schema.dropView(view.name).ifExists().execute();
    await view.create(db);
  }
}
