import type { Cell, ProjectedEvent, Projection, Row, RowChange } from './projection.js';
import { ProjectionError } from './projection.js';

/**
 * A row's key in memory, from its primary-key values. A table's keys all have one arity and
 * type, so the short forms cannot meet: a single text value is itself, two text values are
 * joined at a NUL (the first NUL tells where the first ends; JSON never holds a raw NUL), any
 * other key is its JSON.
 */
export function rowKey(key: Cell[]): string {
  const first = key[0];
  if (typeof first === 'string') {
    if (key.length === 1) return first;
    const second = key[1];
    if (key.length === 2 && typeof second === 'string' && !first.includes('\u0000')) return `${first}\u0000${second}`;
  }
  return JSON.stringify(key);
}

/**
 * The rows of a projection's tables that are in memory, with the ones changed since the last
 * `takeDirty`. The runner fills it with the rows a batch touches and writes back the dirty ones;
 * tests and the in-memory replay use it as the whole table set. Applying the same events to the
 * same rows gives the same rows: this is the one place events become rows.
 */
export class RowSet {
  private readonly tables = new Map<string, Map<string, Row>>();
  private readonly dirty = new Map<string, Set<string>>();
  private readonly handles: ReadonlySet<string>;

  constructor(readonly projection: Projection) {
    this.handles = new Set(projection.handles);
    for (const table of projection.tables) {
      this.tables.set(table.name, new Map());
      this.dirty.set(table.name, new Set());
    }
  }

  /** Rows of a table, keyed by `rowKey(primary key values)`. */
  table(name: string): Map<string, Row> {
    const rows = this.tables.get(name);
    if (!rows) throw new Error(`projection ${this.projection.name} has no table ${name}`);
    return rows;
  }

  has(table: string, key: string): boolean {
    return this.table(table).has(key);
  }

  /** Puts a row as loaded from storage (not dirty). */
  load(table: string, key: string, row: Row): void {
    this.table(table).set(key, row);
  }

  /** Applies one event; returns false when the projection does not handle its type. */
  apply(event: ProjectedEvent): boolean {
    const changes = this.changesFor(event);
    if (changes === null) return false;
    this.applyChanges(event, changes);
    return true;
  }

  /**
   * The row changes an event causes (null when the projection does not handle it), without
   * applying them: the runner first loads the rows they name.
   */
  changesFor(event: ProjectedEvent): RowChange[] | null {
    if (!this.handles.has(event.type)) return null;
    try {
      return this.projection.project(event);
    } catch (error) {
      if (error instanceof ProjectionError) throw error;
      throw new ProjectionError(this.projection.name, event, error instanceof Error ? error.message : String(error));
    }
  }

  /** Applies an event's changes in order; `keys`, when given, are their `rowKey`s (as the runner computed them already). */
  applyChanges(event: ProjectedEvent, changes: RowChange[], keys?: string[]): void {
    for (let i = 0; i < changes.length; i++) {
      const change = changes[i]!;
      const rows = this.table(change.table);
      const key = keys?.[i] ?? rowKey(change.key);
      const current = rows.get(key);
      let next: Row | undefined;
      try {
        next = change.apply(current);
      } catch (error) {
        throw new ProjectionError(this.projection.name, event, error instanceof Error ? error.message : String(error));
      }
      if (next === undefined || next === current) continue;
      rows.set(key, next);
      this.dirty.get(change.table)!.add(key);
    }
  }

  /** The rows changed since the last call, per table; clears the dirty marks. */
  takeDirty(): Map<string, Row[]> {
    const out = new Map<string, Row[]>();
    for (const [table, keys] of this.dirty) {
      const rows = this.table(table);
      out.set(table, [...keys].map((k) => rows.get(k)!));
      keys.clear();
    }
    return out;
  }

  /** Forgets every row (after a rollback, or to bound memory between batches). */
  clear(): void {
    for (const rows of this.tables.values()) rows.clear();
    for (const keys of this.dirty.values()) keys.clear();
  }

  /**
   * Forgets the least recently changed clean rows, across the tables, until at most `target` rows
   * remain (dirty rows are kept: write them first). Bounds memory while the rows of work in flight
   * stay cached: an order's bill, changed by every event of the order, outlives the line rows
   * recorded once beside it. Recency is the row's last_position (set by `change`; a row without
   * one goes first); positions are compared as numbers, close enough for choosing what to
   * forget. `onEvict` hears of each row forgotten.
   */
  evict(target: number, onEvict?: (table: string, key: string) => void): void {
    const excess = this.size - target;
    if (excess <= 0) return;
    // Each row's recency in the maps' order (the two passes below walk them alike); a dirty row never goes.
    const recency = new Float64Array(this.size);
    let n = 0;
    for (const [table, rows] of this.tables) {
      const dirty = this.dirty.get(table)!;
      for (const [key, row] of rows) {
        const at = row.last_position;
        recency[n++] = dirty.has(key) ? Infinity : typeof at === 'string' ? Number(at) : -1;
      }
    }
    const forgotten = recency.filter((at) => at !== Infinity).sort().subarray(0, excess);
    if (forgotten.length === 0) return;
    const cutoff = forgotten[forgotten.length - 1]!;
    // Every clean row older than the newest one forgotten goes, and as many as were chosen at it.
    let atCutoff = forgotten.length - forgotten.indexOf(cutoff);
    n = 0;
    for (const [table, rows] of this.tables) {
      for (const key of rows.keys()) {
        const at = recency[n++]!;
        if (at > cutoff || (at === cutoff && atCutoff-- <= 0)) continue;
        rows.delete(key);
        onEvict?.(table, key);
      }
    }
  }

  /** Number of rows not yet written since the last `takeDirty`. */
  get dirtyCount(): number {
    let n = 0;
    for (const keys of this.dirty.values()) n += keys.size;
    return n;
  }

  /** Number of rows held in memory. */
  get size(): number {
    let n = 0;
    for (const rows of this.tables.values()) n += rows.size;
    return n;
  }
}

/** Replays events into a fresh in-memory row set: the projection's tables as pure data. */
export function replay(projection: Projection, events: Iterable<ProjectedEvent>): RowSet {
  const set = new RowSet(projection);
  for (const event of events) set.apply(event);
  return set;
}
