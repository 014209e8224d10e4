import { sql } from 'kysely';
import type { Projection, TableSpec } from '../../projections/projection.js';
import type { EventStore } from '../event-store/event-store.port.js';
import type { SqlDatabase } from '../persistence/sql-database.js';
import type { Clock } from '../shared/clock.js';
import { type Checkpoint, createCheckpointTables, putCheckpoint, readCheckpoint, readCheckpoints, settingsOf } from './checkpoints.js';
import { engineerScoresDerived } from './engineer-score-inputs.js';
import { ProjectionEngine, ProjectionSlot } from './projection-engine.js';
import { ReadStore } from './read-store.js';
import { createViews, dropViews } from './views.js';

export const READ_MODELS = Symbol('READ_MODELS');

export interface RebuildProgress {
  /** Events read from the store so far. */
  events: number;
  position: bigint;
  /** The store's head when the rebuild started (positions are not counts on every store). */
  firstPosition: bigint | null;
  headPosition: bigint;
}

export interface RebuildResult {
  projections: string[];
  events: number;
  position: bigint | null;
  generation: Record<string, number>;
}

const REBUILD_SUFFIX = '__rebuild';

/**
 * The read-model side as a whole: the projections, their tables in the read database, the
 * checkpoints, and a rebuild that fills fresh tables from position 0 and swaps them in. Used by
 * the runner inside the service and by the CLI; nothing here is tied to NestJS.
 */
export class ReadModels {
  readonly store: ReadStore;
  readonly engine: ProjectionEngine;

  constructor(
    readonly sql: SqlDatabase,
    readonly projections: Projection[],
    private readonly clock: Clock,
  ) {
    this.store = new ReadStore(sql);
    this.engine = new ProjectionEngine(this.store, [engineerScoresDerived]);
  }

  get db() {
    return this.sql.db;
  }

  projection(name: string): Projection {
    const found = this.projections.find((p) => p.name === name);
    if (!found) throw new Error(`unknown projection "${name}" (known: ${this.projections.map((p) => p.name).join(', ')})`);
    return found;
  }

  table(name: string): TableSpec {
    for (const projection of this.projections) {
      const spec = projection.tables.find((t) => t.name === name);
      if (spec) return spec;
    }
    throw new Error(`unknown read-model table ${name}`);
  }

  /** Whether a checkpoint describes tables built by this code (same version and settings). */
  isCurrent(projection: Projection, checkpoint: Checkpoint): boolean {
    return checkpoint.version === projection.version && checkpoint.settings === settingsOf(projection);
  }

  /**
   * Creates the checkpoint tables and, for a projection seen for the first time, its empty
   * tables, indexes, views and checkpoint, in one transaction. Returns every checkpoint.
   */
  async ensureSchema(): Promise<Map<string, Checkpoint>> {
    await this.db.transaction().execute(async (trx) => {
      if (this.sql.dialect === 'postgres') {
        await sql`SELECT pg_advisory_xact_lock(hashtext('service-ledger:migrate'))`.execute(trx);
        await trx.schema.createSchema(this.sql.schema!).ifNotExists().execute();
      }
      await createCheckpointTables(trx);
      for (const projection of this.projections) {
        if (await readCheckpoint(trx, projection.name)) continue;
        for (const spec of projection.tables) {
          await this.store.createTable(trx, spec, spec.name, 'g0');
          await this.store.createIndexes(trx, spec, spec.name, 'g0');
        }
        await createViews(trx, projection.name);
        await putCheckpoint(trx, {
          name: projection.name,
          version: projection.version,
          settings: settingsOf(projection),
          generation: 0,
          position: null,
          watermark: null,
          status: 'running',
          error: null,
          updatedAt: this.clock.now(),
        });
      }
    });
    return readCheckpoints(this.db);
  }

  /**
   * Rebuilds projections from position 0 into fresh tables while the live ones keep serving,
   * then swaps them in with their checkpoint in one transaction. A runner still writing the old
   * tables finds its checkpoint moved on its next commit and starts again from the new one.
   */
  async rebuild(
    eventStore: EventStore,
    names: string[],
    options: { batchSize?: number; onProgress?: (p: RebuildProgress) => void | Promise<void> } = {},
  ): Promise<RebuildResult> {
    const batchSize = options.batchSize ?? 5_000;
    const checkpoints = await this.ensureSchema();
    const projections = names.map((n) => this.projection(n));
    const startGeneration = new Map(projections.map((p) => [p.name, checkpoints.get(p.name)!.generation]));
    const slots = projections.map((p) => new ProjectionSlot(p, (table) => `${table}${REBUILD_SUFFIX}`));
    const suffix = (slot: ProjectionSlot) => `g${startGeneration.get(slot.projection.name)! + 1}`;

    await this.db.transaction().execute(async (trx) => {
      for (const slot of slots) {
        for (const spec of slot.projection.tables) {
          await this.store.dropTable(trx, slot.physical(spec.name));
          await this.store.createTable(trx, spec, slot.physical(spec.name), suffix(slot));
        }
      }
    });

    const headPosition = await eventStore.headPosition();
    let from = 0n;
    let events = 0;
    let firstPosition: bigint | null = null;
    for (;;) {
      const batch = await eventStore.readAll({ fromPosition: from, maxCount: batchSize });
      if (batch.length === 0) break;
      firstPosition ??= batch[0]!.position;
      await this.db.transaction().execute(async (trx) => {
        const outcome = await this.engine.applyBatch(trx, slots, batch, true);
        if (outcome.failures.length > 0) throw outcome.failures[0]!;
      });
      events += batch.length;
      from = batch[batch.length - 1]!.position + 1n;
      await options.onProgress?.({ events, position: from - 1n, firstPosition, headPosition });
      if (batch.length < batchSize) break;
    }

    for (const slot of slots) {
      await this.db.transaction().execute(async (trx) => {
        await this.engine.flush(trx, slot);
        await this.engine.refreshDerived(trx, slot, true);
      });
      for (const spec of slot.projection.tables) await this.store.createIndexes(this.db, spec, slot.physical(spec.name), suffix(slot));
    }

    const generation: Record<string, number> = {};
    await this.db.transaction().execute(async (trx) => {
      for (const slot of slots) {
        const name = slot.projection.name;
        const current = await readCheckpoint(trx, name);
        if (current && current.generation !== startGeneration.get(name)) {
          throw new Error(`projection ${name} was rebuilt by someone else meanwhile (generation ${current.generation}); nothing swapped`);
        }
        await dropViews(trx, name);
        for (const spec of slot.projection.tables) {
          await this.store.dropTable(trx, spec.name);
          await this.store.renameTable(trx, slot.physical(spec.name), spec.name);
        }
        await createViews(trx, name);
        generation[name] = startGeneration.get(name)! + 1;
        await putCheckpoint(trx, {
          name,
          version: slot.projection.version,
          settings: settingsOf(slot.projection),
          generation: generation[name],
          position: slot.checkpoint,
          watermark: slot.watermark,
          status: 'running',
          error: null,
          updatedAt: this.clock.now(),
        });
      }
    });
    return { projections: projections.map((p) => p.name), events, position: from === 0n ? null : from - 1n, generation };
  }

  /** A digest per table (rows in primary-key order): equal digests, equal read models. */
  async digests(names = this.projections.map((p) => p.name)): Promise<Record<string, { rows: number; sha256: string }>> {
    const out: Record<string, { rows: number; sha256: string }> = {};
    for (const name of names) {
      for (const spec of this.projection(name).tables) out[spec.name] = await this.store.digest(this.db, spec);
    }
    return out;
  }
}
