import { type Kysely, sql } from 'kysely';
import type { ProjectedEvent, Projection, Row, TableSpec } from '../../projections/projection.js';
import { allProjections } from '../../projections/index.js';
import type { AppConfig } from '../config/config.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { readAllAhead } from '../event-store/read-ahead.js';
import { openSqlDatabase } from '../persistence/sql-database.js';
import type { SqlDatabase } from '../persistence/sql-database.js';
import type { Clock } from '../shared/clock.js';
import { type Checkpoint, createCheckpointTables, putCheckpoint, readCheckpoint, readCheckpoints, settingsOf } from './checkpoints.js';
import { engineerScoresDerived } from './engineer-score-inputs.js';
import { type DerivedTable, ProjectionEngine, ProjectionSlot } from './projection-engine.js';
import { ReadStore, TableDigest } from './read-store.js';
import { pooledWriter, type RowWriter, sqliteWriter } from './row-writer.js';
import type { Discrepancy } from '../integrity/ledger-audit.js';
import { createViews, dropViews } from './views.js';

export const READ_MODELS = Symbol('READ_MODELS');

/** Opens the read database and the projections as configured: shared by the service and the CLI (no NestJS here). */
export async function openReadModels(config: AppConfig, clock: Clock): Promise<ReadModels> {
  const readModels = new ReadModels(
    openSqlDatabase(config, 'read-models.sqlite'),
    allProjections({ complaintSla: config.projections.complaintSla }),
    clock,
    config.projections.rowCache,
  );
  await readModels.ensureSchema();
  return readModels;
}

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

/**
 * Events a rebuild reads and applies at a time. Small batches measured faster than large ones
 * (fewer events alive at once: less for the garbage collector to copy), down to about 500.
 */
export const REPLAY_BATCH_SIZE = 1_000;

const REBUILD_SUFFIX = '__rebuild';
const VERIFY_SUFFIX = '__verify';
const LIVE_DERIVED_SUFFIX = '__verify_live';
const VERIFY_ROUNDS = 5;

export interface TableComparison {
  projection: string;
  table: string;
  /** Position the live table stood at, which the replay was taken to. */
  position: string | null;
  live: { rows: number; sha256: string };
  replay: { rows: number; sha256: string };
  equal: boolean;
}

export interface ReplayComparison {
  tables: TableComparison[];
  discrepancies: Discrepancy[];
}

/** The events of a batch at or before a position. */
function upTo(batch: ProjectedEvent[], limit: bigint): ProjectedEvent[] {
  return batch.length > 0 && BigInt(batch[batch.length - 1]!.position) > limit ? batch.filter((e) => BigInt(e.position) <= limit) : batch;
}

function groupByLimit(slots: ProjectionSlot[], until?: Map<ProjectionSlot, bigint | null>): Map<bigint | null, ProjectionSlot[]> {
  const groups = new Map<bigint | null, ProjectionSlot[]>();
  for (const slot of slots) {
    const limit = until ? (until.get(slot) ?? -1n) : null;
    groups.set(limit, [...(groups.get(limit) ?? []), slot]);
  }
  return groups;
}

/**
 * The read-model side as a whole: the projections, their tables in the read database, the
 * checkpoints, and a rebuild that fills fresh tables from position 0 and swaps them in. Used by
 * the runner inside the service and by the CLI; nothing here is tied to NestJS.
 */
export class ReadModels {
  readonly store: ReadStore;
  readonly engine: ProjectionEngine;
  private readonly derived: DerivedTable[] = [engineerScoresDerived];

  constructor(
    readonly sql: SqlDatabase,
    readonly projections: Projection[],
    private readonly clock: Clock,
    rowCache?: number,
  ) {
    this.store = new ReadStore(sql);
    this.engine = new ProjectionEngine(this.store, this.derived, rowCache);
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
    const batchSize = options.batchSize ?? REPLAY_BATCH_SIZE;
    const checkpoints = await this.ensureSchema();
    const projections = names.map((n) => this.projection(n));
    const startGeneration = new Map(projections.map((p) => [p.name, checkpoints.get(p.name)!.generation]));
    const slots = projections.map((p) => new ProjectionSlot(p, (table) => `${table}${REBUILD_SUFFIX}`, true));
    const suffix = (slot: ProjectionSlot) => `g${startGeneration.get(slot.projection.name)! + 1}`;

    await this.db.transaction().execute(async (trx) => {
      for (const slot of slots) {
        for (const spec of slot.projection.tables) {
          await this.store.dropTable(trx, slot.physical(spec.name));
          await this.store.createTable(trx, spec, slot.physical(spec.name), suffix(slot));
        }
      }
    });

    const writer = this.rowWriter();
    for (const slot of slots) slot.writer = writer;
    let replayed: { events: number; position: bigint | null };
    try {
      replayed = await this.replay(eventStore, slots, { batchSize, onProgress: options.onProgress });
    } finally {
      // Every write behind is done before this connection takes the write lock for the last rows
      // (a failed one is reported by the flush below).
      await writer?.close();
    }
    const { events, position } = replayed;
    for (const slot of slots) {
      await this.db.transaction().execute(async (trx) => {
        await this.engine.flush(trx, slot);
        await this.engine.refreshDerived(trx, slot, true);
      });
    }
    for (const slot of slots) {
      for (const spec of slot.projection.tables) {
        await this.store.createIndexes(this.db, spec, slot.physical(spec.name), suffix(slot));
        await this.store.vacuumAnalyze(this.db, slot.physical(spec.name));
      }
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
    return { projections: projections.map((p) => p.name), events, position, generation };
  }

  /** Where a rebuild writes the rows its cache lets go of: apart from the connection it reads on (see RowWriter). */
  private rowWriter(): RowWriter | null {
    if (this.sql.dialect === 'postgres') return pooledWriter(this.store, this.db);
    const sqlite = this.sql.sqlite;
    return sqlite && !sqlite.memory ? sqliteWriter(sqlite.name) : null;
  }

  /**
   * Feeds `$all` from where each slot stands (its checkpoint) into the slots, writing deferred.
   * With `until`, a slot takes no event past its limit (null: none at all), and the read stops at
   * the highest limit.
   */
  private async replay(
    eventStore: EventStore,
    slots: ProjectionSlot[],
    options: {
      batchSize: number;
      until?: Map<ProjectionSlot, bigint | null>;
      /** Read with `readAll` even where the store reads ahead itself (see compareWithReplay). */
      plainReads?: boolean;
      onProgress?: (p: RebuildProgress) => void | Promise<void>;
    },
  ): Promise<{ events: number; position: bigint | null }> {
    const { batchSize, until } = options;
    const limits = until ? [...until.values()].map((l) => l ?? -1n) : [];
    const stopAt = until ? limits.reduce((a, b) => (b > a ? b : a), -1n) : null;
    const headPosition = stopAt ?? (await eventStore.headPosition());
    const from = slots.reduce<bigint | null>((low, s) => (low === null || (s.checkpoint ?? -1n) < low ? (s.checkpoint ?? -1n) : low), null)! + 1n;
    let events = 0;
    let firstPosition: bigint | null = null;
    let position: bigint | null = from > 0n ? from - 1n : null;
    const reader = stopAt === null || from <= stopAt ? readAllAhead(eventStore, from, batchSize, options.plainReads) : null;
    try {
      while (reader) {
        let batch = await reader.next();
        if (stopAt !== null) batch = upTo(batch, stopAt);
        if (batch.length === 0) break;
        const last = BigInt(batch[batch.length - 1]!.position);
        firstPosition ??= BigInt(batch[0]!.position);
        const apply = async (db: Kysely<any>) => {
          for (const [limit, group] of groupByLimit(slots, until)) {
            const part = limit === null ? batch : upTo(batch, limit);
            if (part.length === 0) continue;
            const outcome = await this.engine.applyBatch(db, group, part, true);
            if (outcome.failures.length > 0) throw outcome.failures[0]!;
          }
        };
        // Slots that write behind only read here, each read seeing what their writer committed
        // (a SQLite transaction would hold the snapshot of its first read); the others write in a batch transaction.
        if (slots.every((s) => s.writer !== null)) await apply(this.db);
        else await this.db.transaction().execute(apply);
        events += batch.length;
        position = last;
        await options.onProgress?.({ events, position, firstPosition, headPosition });
        if (batch.length < batchSize || (stopAt !== null && last >= stopAt)) break;
      }
    } finally {
      await reader?.close();
    }
    return { events, position };
  }

  /**
   * Replays every projection into scratch tables, each up to the position its live tables stand at,
   * and compares the tables row by row (with a digest of each side). The live tables are only read,
   * inside one snapshot together with their checkpoints; if a runner moves them meanwhile the replay
   * catches up and compares again. A derived table (engineer_scores, refreshed by the runner from
   * time to time) is compared as computed from the live tables at the live watermark. The replay
   * reads `$all` with `readAll`, not the rebuild's read-ahead path, so tables a rebuild filled are
   * checked against events read another way.
   */
  async compareWithReplay(
    eventStore: EventStore,
    options: { batchSize?: number; onProgress?: (p: RebuildProgress) => void | Promise<void> } = {},
  ): Promise<ReplayComparison> {
    const checkpoints = await this.ensureSchema();
    const discrepancies: Discrepancy[] = [];
    const current = this.projections.filter((projection) => {
      const checkpoint = checkpoints.get(projection.name)!;
      if (this.isCurrent(projection, checkpoint)) return true;
      discrepancies.push({
        kind: 'projection_stale',
        message: `projection ${projection.name}: its tables were built by version ${checkpoint.version} with settings ${checkpoint.settings}; this code is version ${projection.version} with settings ${settingsOf(projection)}: they must be rebuilt (the runner does so on start, or service-ledger rebuild)`,
      });
      return false;
    });
    const slots = current.map((p) => new ProjectionSlot(p, (table) => `${table}${VERIFY_SUFFIX}`, true));
    const scratch = slots.flatMap((slot) => slot.projection.tables.map((spec) => ({ spec, physical: slot.physical(spec.name) })));
    const liveDerived = this.derived.filter((d) => slots.some((s) => s.projection.name === d.projection));
    const dropScratch = () =>
      this.db.transaction().execute(async (trx) => {
        for (const { physical } of scratch) await this.store.dropTable(trx, physical);
        for (const d of liveDerived) await this.store.dropTable(trx, `${d.table}${LIVE_DERIVED_SUFFIX}`);
      });
    await dropScratch();
    await this.db.transaction().execute(async (trx) => {
      for (const { spec, physical } of scratch) await this.store.createTable(trx, spec, physical, 'verify');
      for (const d of liveDerived) await this.store.createTable(trx, this.table(d.table), `${d.table}${LIVE_DERIVED_SUFFIX}`, 'verify_live');
    });
    try {
      for (let round = 1; ; round++) {
        const live = await readCheckpoints(this.db);
        const until = new Map(slots.map((slot) => [slot, live.get(slot.projection.name)!.position]));
        await this.replay(eventStore, slots, { batchSize: options.batchSize ?? REPLAY_BATCH_SIZE, until, plainReads: true, onProgress: options.onProgress });
        for (const slot of slots) {
          await this.db.transaction().execute(async (trx) => {
            await this.engine.flush(trx, slot);
            await this.engine.refreshDerived(trx, slot, true);
          });
        }
        const tables = await this.snapshot(async (trx) => {
          const now = await readCheckpoints(trx);
          if (slots.some((slot) => now.get(slot.projection.name)!.position !== until.get(slot))) return null;
          const out: TableComparison[] = [];
          for (const slot of slots) {
            const checkpoint = now.get(slot.projection.name)!;
            for (const spec of slot.projection.tables) {
              const derived = liveDerived.find((d) => d.table === spec.name);
              let livePhysical = spec.name;
              if (derived) {
                livePhysical = `${spec.name}${LIVE_DERIVED_SUFFIX}`;
                const rows = checkpoint.watermark === null ? [] : await derived.compute(trx, (t) => t, checkpoint.watermark);
                await this.store.replaceAll(trx, spec, livePhysical, rows);
              }
              const compared = await this.compareTables(trx, spec, livePhysical, slot.physical(spec.name));
              out.push({
                projection: slot.projection.name,
                table: spec.name,
                position: checkpoint.position?.toString() ?? null,
                live: compared.live,
                replay: compared.replay,
                equal: compared.difference === null,
              });
              if (compared.difference) discrepancies.push(compared.difference);
            }
          }
          return out;
        });
        if (tables) return { tables, discrepancies };
        if (round === VERIFY_ROUNDS) {
          throw new Error(`the read models moved on during each of ${VERIFY_ROUNDS} comparisons; stop the projection runner (PROJECTIONS=off) and verify again`);
        }
      }
    } finally {
      await dropScratch();
    }
  }

  /** Work on one consistent view of the read database (SQLite: one transaction; PostgreSQL: repeatable read). */
  private snapshot<T>(work: (trx: Kysely<any>) => Promise<T>): Promise<T> {
    const transaction = this.db.transaction();
    return (this.sql.dialect === 'postgres' ? transaction.setIsolationLevel('repeatable read') : transaction).execute(work);
  }

  /** Both tables in key order side by side: digests of each and the first row that differs. */
  private async compareTables(
    db: Kysely<any>,
    spec: TableSpec,
    livePhysical: string,
    replayPhysical: string,
  ): Promise<{ live: { rows: number; sha256: string }; replay: { rows: number; sha256: string }; difference: Discrepancy | null }> {
    const live = new TableDigest(spec);
    const replay = new TableDigest(spec);
    const pending: { live: Row[]; replay: Row[] } = { live: [], replay: [] };
    let difference: Discrepancy | null = null;
    const compare = async () => {
      while (pending.live.length > 0 && pending.replay.length > 0) {
        const a = pending.live.shift()!;
        const b = pending.replay.shift()!;
        const lineA = live.line(a);
        const lineB = replay.line(b);
        live.add(a, lineA);
        replay.add(b, lineB);
        if (difference === null && lineA !== lineB) difference = await this.describeDifference(db, spec, replayPhysical, a, b);
      }
    };
    const liveRows = this.store.scan(db, spec, livePhysical);
    const replayRows = this.store.scan(db, spec, replayPhysical);
    let liveDone = false;
    let replayDone = false;
    while (!liveDone || !replayDone) {
      if (!liveDone && pending.live.length === 0) {
        const next = await liveRows.next();
        if (next.done) liveDone = true;
        else pending.live.push(...next.value);
      }
      if (!replayDone && pending.replay.length === 0) {
        const next = await replayRows.next();
        if (next.done) replayDone = true;
        else pending.replay.push(...next.value);
      }
      await compare();
      if ((liveDone && pending.live.length === 0) || (replayDone && pending.replay.length === 0)) {
        // One side ended: what is left of the other is extra.
        for (const row of pending.live) live.add(row);
        for (const row of pending.replay) replay.add(row);
        const extraLive = pending.live[0];
        const extraReplay = pending.replay[0];
        pending.live = [];
        pending.replay = [];
        difference ??= extraLive ? rowOnly(spec, extraLive, 'live') : extraReplay ? rowOnly(spec, extraReplay, 'replay') : null;
      }
    }
    return { live: live.result(), replay: replay.result(), difference };
  }

  /** Two rows met at the same place in key order: the same key with other values, or a row one side lacks. */
  private async describeDifference(db: Kysely<any>, spec: TableSpec, replayPhysical: string, live: Row, replay: Row): Promise<Discrepancy> {
    const key = keyOf(spec, live);
    if (JSON.stringify(key) === JSON.stringify(keyOf(spec, replay))) {
      const column = spec.columns.find((c) => JSON.stringify(live[c.name]) !== JSON.stringify(replay[c.name]))!;
      return {
        kind: 'projection_row_differs',
        table: spec.name,
        key,
        message: `${spec.name} ${JSON.stringify(key)}: ${column.name} is ${JSON.stringify(live[column.name])} in the live table, ${JSON.stringify(replay[column.name])} in a fresh replay`,
      };
    }
    const [inReplay] = await this.store.load(db, spec, replayPhysical, [spec.primaryKey.map((c) => live[c]!)]);
    return inReplay ? rowOnly(spec, replay, 'replay') : rowOnly(spec, live, 'live');
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

function keyOf(spec: TableSpec, row: Row): Record<string, unknown> {
  return Object.fromEntries(spec.primaryKey.map((c) => [c, row[c]]));
}

function rowOnly(spec: TableSpec, row: Row, side: 'live' | 'replay'): Discrepancy {
  const key = keyOf(spec, row);
  return {
    kind: 'projection_row_differs',
    table: spec.name,
    key,
    message:
      side === 'live'
        ? `${spec.name} ${JSON.stringify(key)} is in the live table but a fresh replay does not produce it`
        : `${spec.name} ${JSON.stringify(key)} is produced by a fresh replay but missing from the live table`,
  };
}
