/**
 * The contract of a projection: a pure, deterministic function of the events it handles. No
 * NestJS, no I/O, no clock; a time the projection needs (an SLA deadline, a score window) comes
 * from the events themselves or is passed in explicitly. Same events in, same rows out.
 *
 * A projection owns SQL tables (described by `TableSpec`s, created by the runner in SQLite or
 * PostgreSQL) and maps each event to row changes: "the row of table T with key K becomes
 * f(current row)". The runner loads the current rows a batch touches, applies the changes in event
 * order and writes the changed rows together with its checkpoint in one transaction. A projection
 * never reads other rows than the ones it names, so a batch can be applied without queries between
 * events, and the result does not depend on where batches start and end.
 */
export interface ProjectedEvent<D = unknown> {
  type: string;
  schemaVersion: number;
  stream: string;
  revision: number;
  /** Global position as a decimal string (stable across stores and JSON). */
  position: string;
  recordedAt: string;
  eventId: string;
  actor: { id: string; role: string };
  data: D;
}

/**
 * Column types, mapped per dialect by the runner:
 * text -> TEXT; integer -> INTEGER / BIGINT (fen amounts and counts); real -> REAL / DOUBLE PRECISION
 * (rates and scores, never money); boolean -> INTEGER 0/1 / BOOLEAN; timestamp -> ISO-8601 UTC TEXT /
 * TIMESTAMPTZ. Rows always carry JS values: string, number, boolean, or null.
 */
export type ColumnType = 'text' | 'integer' | 'real' | 'boolean' | 'timestamp';
export type Cell = string | number | boolean | null;
export type Row = Record<string, Cell>;

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** Columns are NOT NULL unless marked nullable. */
  nullable?: boolean;
  /** What the column means, for the README's table reference. */
  description: string;
}

export interface TableSpec {
  name: string;
  description: string;
  columns: ColumnSpec[];
  primaryKey: string[];
  /** Secondary indexes for the filters the query API offers. */
  indexes?: string[][];
}

export interface RowChange {
  table: string;
  /** Values of the table's primary-key columns, in `primaryKey` order. */
  key: Cell[];
  /**
   * The row after the event, given the row before it (undefined when there is none yet). Pure;
   * must not mutate `current`. Returning `current` itself means "no change" (so returning
   * undefined for an absent row leaves it absent).
   */
  apply(current: Row | undefined): Row | undefined;
}

export interface Projection {
  name: string;
  /** Bump when the rows an event produces change: the runner then rebuilds this projection. */
  version: number;
  /** Settings the rows depend on (SLA hours, thresholds): a change rebuilds like a version bump. */
  settings?: Readonly<Record<string, Cell>>;
  tables: TableSpec[];
  /** Event types the projection reads; the runner skips others without calling `project`. */
  handles: readonly string[];
  /** The row changes one event causes, in the order they apply. Throws only on an event it cannot read. */
  project(event: ProjectedEvent): RowChange[];
}

/** A projection that cannot read an event: the runner stops that projection and reports this. */
export class ProjectionError extends Error {
  constructor(
    readonly projection: string,
    readonly event: Pick<ProjectedEvent, 'type' | 'stream' | 'revision' | 'position' | 'eventId'>,
    detail: string,
  ) {
    super(`projection ${projection} cannot apply ${event.type} ${event.stream}@${event.revision} (position ${event.position}): ${detail}`);
    this.name = 'ProjectionError';
  }
}
