import type { Kysely } from 'kysely';
import type { Cell, ProjectedEvent, Projection, Row, TableSpec } from '../../projections/projection.js';
import { ProjectionError } from '../../projections/projection.js';
import { RowSet, rowKey } from '../../projections/row-set.js';
import { DEFAULT_ROW_CACHE } from '../config/config.js';
import { isBefore } from '../shared/time.js';
import { KeyFilter } from './key-filter.js';
import type { ReadStore } from './read-store.js';
import type { RowWriter } from './row-writer.js';

type Db = Kysely<any>;

/**
 * A table computed from a projection's other tables rather than event by event (engineer scores:
 * every engineer's score moves with the population mean). Recomputed from scratch, so the result
 * depends only on the tables and the watermark, never on where batches ended.
 */
export interface DerivedTable {
  projection: string;
  table: string;
  compute(db: Db, physical: (table: string) => string, watermark: string): Promise<Row[]>;
}

/**
 * One projection as the engine drives it: the physical tables it writes (the live ones, or
 * fresh ones during a rebuild), the rows cached from them, and how far it has read.
 */
export class ProjectionSlot {
  readonly rows: RowSet;
  /** Position of the last event applied (null: nothing yet). */
  checkpoint: bigint | null = null;
  generation = 0;
  /** recordedAt of the newest event the projection handled: the "now" of time windows. */
  watermark: string | null = null;
  failure: ProjectionError | null = null;
  /** Handled events not yet reflected in the derived tables. */
  derivedStale = 0;
  /**
   * Where deferred rows go when the cache is full (a rebuild): written behind, apart from the
   * connection the batches read on, while the next batches are applied. Null: written in the batch.
   */
  writer: RowWriter | null = null;
  /** The rows written behind and not yet known to be in the tables, or null. */
  writing: Promise<void> | null = null;
  private readonly specs = new Map<string, TableSpec>();
  /** Per table, the keys of rows written and then dropped from the cache; null when the tables may hold rows of their own. */
  private readonly dropped: Map<string, KeyFilter> | null;

  /**
   * `startsEmpty`: the physical tables were created empty for this slot (a rebuild, a replay to
   * compare), so a row it never wrote is not there, and looking for it is skipped.
   */
  constructor(
    readonly projection: Projection,
    readonly physical: (table: string) => string = (table) => table,
    startsEmpty = false,
  ) {
    this.rows = new RowSet(projection);
    for (const spec of projection.tables) this.specs.set(spec.name, spec);
    this.dropped = startsEmpty ? new Map() : null;
  }

  spec(table: string): TableSpec {
    return this.specs.get(table)!;
  }

  /** Whether the row may be in the table while it is not cached (always, unless the tables started empty). */
  mayBeStored(table: string, key: string): boolean {
    return this.dropped === null || this.dropped.get(table)?.mightHave(key) === true;
  }

  /** Drops cached rows down to `target` (the dirty ones are kept: write them first). */
  evict(target: number): void {
    const dropped = this.dropped;
    if (dropped === null) return this.rows.evict(target);
    this.rows.evict(target, (table, key) => {
      let filter = dropped.get(table);
      if (!filter) dropped.set(table, (filter = new KeyFilter()));
      filter.add(key);
    });
  }
}

export interface BatchOutcome {
  applied: number;
  handled: number;
  failures: ProjectionError[];
}

/**
 * Applies batches of events to projection slots inside a caller's transaction: plans each event's
 * row changes, loads the rows not cached, applies the changes in event order and writes the
 * changed rows. A projection that cannot read an event is marked failed and its work in the batch
 * discarded; the others go on. The caller writes checkpoints in the same transaction. (A rebuild
 * whose slots write behind only reads here, and runs its batches outside a transaction.)
 */
export class ProjectionEngine {
  private readonly cacheLow: number;

  /**
   * `rowCache`: rows a slot keeps cached between batches; above it the least recently changed are
   * written (when deferred) and dropped down to two thirds of it. About 1-2 kB a row in memory.
   */
  constructor(
    private readonly store: ReadStore,
    private readonly derived: DerivedTable[] = [],
    private readonly rowCache = DEFAULT_ROW_CACHE,
  ) {
    this.cacheLow = Math.floor((rowCache * 2) / 3);
  }

  /**
   * `deferWrites` (rebuilds, whose tables nobody reads before the swap) keeps changed rows in
   * memory across batches, so a row touched by many events is written about once; `flush` writes
   * them. A live runner writes every batch's rows with its checkpoint.
   */
  async applyBatch(db: Db, slots: ProjectionSlot[], events: ProjectedEvent[], deferWrites = false): Promise<BatchOutcome> {
    const outcome: BatchOutcome = { applied: events.length, handled: 0, failures: [] };
    for (const slot of slots) {
      if (slot.failure) continue;
      const after = slot.checkpoint;
      const mine = after === null || (events.length > 0 && BigInt(events[0]!.position) > after) ? events : events.filter((e) => BigInt(e.position) > after);
      try {
        outcome.handled += await this.applyTo(db, slot, mine, deferWrites);
      } catch (error) {
        if (!(error instanceof ProjectionError)) throw error;
        slot.rows.clear();
        slot.failure = error;
        outcome.failures.push(error);
        continue;
      }
      if (mine.length > 0) slot.checkpoint = BigInt(mine[mine.length - 1]!.position);
    }
    return outcome;
  }

  private async applyTo(db: Db, slot: ProjectionSlot, events: ProjectedEvent[], deferWrites: boolean): Promise<number> {
    const planned: { event: ProjectedEvent; changes: NonNullable<ReturnType<RowSet['changesFor']>>; keys: string[] }[] = [];
    const missing = new Map<string, Map<string, Cell[]>>();
    for (const event of events) {
      const changes = slot.rows.changesFor(event);
      if (changes === null) continue;
      const keys = changes.map((change) => rowKey(change.key));
      planned.push({ event, changes, keys });
      for (let i = 0; i < changes.length; i++) {
        const change = changes[i]!;
        const key = keys[i]!;
        if (slot.rows.has(change.table, key) || !slot.mayBeStored(change.table, key)) continue;
        let absent = missing.get(change.table);
        if (!absent) missing.set(change.table, (absent = new Map()));
        absent.set(key, change.key);
      }
    }
    for (const [table, absent] of missing) {
      const spec = slot.spec(table);
      for (const row of await this.store.load(db, spec, slot.physical(table), [...absent.values()])) {
        slot.rows.load(table, rowKey(spec.primaryKey.map((c) => row[c]!)), row);
      }
    }
    for (const { event, changes, keys } of planned) slot.rows.applyChanges(event, changes, keys);
    const crowded = slot.rows.size > this.rowCache;
    if (deferWrites && crowded && slot.writer) {
      // Only rows known to be in the tables are let go of (the previous write is done, usually
      // long since), so a row read back is always there; the changed rows stay cached while
      // they are written behind.
      await this.writesDone(slot);
      slot.evict(this.cacheLow);
      this.writeDirtyBehind(slot, slot.writer);
    } else {
      if (!deferWrites || crowded) await this.flush(db, slot);
      if (crowded) slot.evict(this.cacheLow);
    }
    if (planned.length > 0) {
      slot.watermark = maxInstant(slot.watermark, planned[planned.length - 1]!.event.recordedAt);
      slot.derivedStale += planned.length;
    }
    return planned.length;
  }

  /** Writes the slot's changed rows (after any still being written behind). */
  async flush(db: Db, slot: ProjectionSlot): Promise<void> {
    await this.writesDone(slot);
    await this.write(db, slot, slot.rows.takeDirty());
  }

  private async write(db: Db, slot: ProjectionSlot, dirty: Map<string, Row[]>): Promise<void> {
    for (const [table, rows] of dirty) await this.store.upsert(db, slot.spec(table), slot.physical(table), rows);
  }

  /** Hands the slot's changed rows to its writer; `writesDone` awaits them (and reports a failure of any write so far). */
  private writeDirtyBehind(slot: ProjectionSlot, writer: RowWriter): void {
    const tables = [...slot.rows.takeDirty()]
      .filter(([, rows]) => rows.length > 0)
      .map(([table, rows]) => ({ spec: slot.spec(table), physical: slot.physical(table), rows }));
    if (tables.length === 0) return;
    // Called once the previous write is done (applyTo awaits it first): one write in flight per slot.
    slot.writing = writer.write(tables);
    slot.writing.catch(() => undefined);
  }

  /** Resolves once the rows written behind are in the tables; throws if writing them failed. */
  private async writesDone(slot: ProjectionSlot): Promise<void> {
    const writing = slot.writing;
    if (writing === null) return;
    await writing;
    slot.writing = null;
  }

  /** Recomputes the slot's derived tables when events changed its inputs since the last time. */
  async refreshDerived(db: Db, slot: ProjectionSlot, force = false): Promise<boolean> {
    if (slot.failure || (!force && slot.derivedStale === 0) || slot.watermark === null) return false;
    await this.writesDone(slot);
    for (const derived of this.derived.filter((d) => d.projection === slot.projection.name)) {
      const rows = await derived.compute(db, slot.physical, slot.watermark);
      await this.store.replaceAll(db, slot.spec(derived.table), slot.physical(derived.table), rows);
    }
    slot.derivedStale = 0;
    return true;
  }

}

function maxInstant(a: string | null, b: string): string {
  return a === null || isBefore(a, b) ? b : a;
}
