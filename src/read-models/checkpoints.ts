import { type Kysely, sql } from 'kysely';
import type { Projection } from '../../projections/projection.js';

type Db = Kysely<any>;

export type ProjectionStatus = 'running' | 'failed';

/** A projection's stored progress: what its live tables reflect. */
export interface Checkpoint {
  name: string;
  version: number;
  /** Canonical JSON of the projection's settings when its tables were built. */
  settings: string;
  /** Bumped by every rebuild swap: a runner holding an older generation must reload. */
  generation: number;
  /** Position of the last event the tables reflect (null: none yet). */
  position: bigint | null;
  watermark: string | null;
  status: ProjectionStatus;
  error: string | null;
  updatedAt: string;
}

export const CHECKPOINTS = 'projection_checkpoints';
export const LEASES = 'projection_leases';

export const settingsOf = (projection: Projection): string =>
  JSON.stringify(Object.fromEntries(Object.entries(projection.settings ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))));

/** The checkpoint no longer describes the tables this runner was writing: someone else moved it. */
export class CheckpointMoved extends Error {
  constructor(name: string) {
    super(`checkpoint of projection ${name} was moved by another writer (a rebuild swap or a second runner)`);
    this.name = 'CheckpointMoved';
  }
}

export async function createCheckpointTables(db: Db): Promise<void> {
  await db.schema
    .createTable(CHECKPOINTS)
    .ifNotExists()
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('position', 'text')
    .addColumn('watermark', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable(LEASES)
    .ifNotExists()
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
}

function fromRow(row: Record<string, unknown>): Checkpoint {
  return {
    name: String(row.name),
    version: Number(row.version),
    settings: String(row.settings),
    generation: Number(row.generation),
    position: row.position == null ? null : BigInt(String(row.position)),
    watermark: row.watermark == null ? null : String(row.watermark),
    status: row.status as ProjectionStatus,
    error: row.error == null ? null : String(row.error),
    updatedAt: String(row.updated_at),
  };
}

export async function readCheckpoints(db: Db): Promise<Map<string, Checkpoint>> {
  const rows = await db.selectFrom(CHECKPOINTS).selectAll().execute();
  return new Map(rows.map((r) => [String(r.name), fromRow(r)]));
}

export async function readCheckpoint(db: Db, name: string): Promise<Checkpoint | null> {
  const row = await db.selectFrom(CHECKPOINTS).selectAll().where('name', '=', name).executeTakeFirst();
  return row ? fromRow(row) : null;
}

/** Writes a checkpoint whole (a new projection, or a rebuild's swap). */
export async function putCheckpoint(db: Db, cp: Checkpoint): Promise<void> {
  const values = {
    name: cp.name,
    version: cp.version,
    settings: cp.settings,
    generation: cp.generation,
    position: cp.position === null ? null : cp.position.toString(),
    watermark: cp.watermark,
    status: cp.status,
    error: cp.error,
    updated_at: cp.updatedAt,
  };
  await db
    .insertInto(CHECKPOINTS)
    .values(values)
    .onConflict((oc) => oc.column('name').doUpdateSet({ ...values, name: undefined } as never))
    .execute();
}

/**
 * Moves a checkpoint forward only from where this runner last left it (same generation, same
 * position): a second runner or a rebuild swap that moved it makes this throw, and the
 * surrounding transaction — rows and checkpoint — rolls back.
 */
export async function advanceCheckpoint(
  db: Db,
  name: string,
  expected: { generation: number; position: bigint | null },
  next: { position: bigint | null; watermark: string | null; status: ProjectionStatus; error: string | null; updatedAt: string },
): Promise<void> {
  const result = await db
    .updateTable(CHECKPOINTS)
    .set({
      position: next.position === null ? null : next.position.toString(),
      watermark: next.watermark,
      status: next.status,
      error: next.error,
      updated_at: next.updatedAt,
    })
    .where('name', '=', name)
    .where('generation', '=', expected.generation)
    .where(sql<string>`coalesce(position, '')`, '=', expected.position === null ? '' : expected.position.toString())
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new CheckpointMoved(name);
}

/**
 * A lease row per role ("projection-runner"): one holder at a time, renewed while alive, taken
 * over once expired. Works alike in SQLite and PostgreSQL. The checkpoint compare-and-set above
 * is what keeps two writers from both committing; the lease keeps standbys from doing the work.
 */
export async function tryLease(db: Db, name: string, holder: string, now: string, expiresAt: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom(LEASES).selectAll().where('name', '=', name).executeTakeFirst();
    if (!row) {
      await trx.insertInto(LEASES).values({ name, holder, expires_at: expiresAt }).onConflict((oc) => oc.column('name').doNothing()).execute();
      const after = await trx.selectFrom(LEASES).select('holder').where('name', '=', name).executeTakeFirst();
      return after?.holder === holder;
    }
    if (row.holder !== holder && String(row.expires_at) > now) return false;
    const updated = await trx
      .updateTable(LEASES)
      .set({ holder, expires_at: expiresAt })
      .where('name', '=', name)
      .where('holder', '=', String(row.holder))
      .where('expires_at', '=', String(row.expires_at))
      .executeTakeFirst();
    return Number(updated.numUpdatedRows) === 1;
  });
}

export async function releaseLease(db: Db, name: string, holder: string): Promise<void> {
  await db.deleteFrom(LEASES).where('name', '=', name).where('holder', '=', holder).execute();
}
