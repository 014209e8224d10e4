import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Row, TableSpec } from '../../projections/projection.js';
import { openSqliteFile } from '../persistence/sql-database.js';
import { workersAvailable } from '../shared/workers.js';
import { ReadStore, sqliteCells } from './read-store.js';

/** Rows for one table, written by their primary keys (inserted or replaced). */
export interface TableRows {
  spec: TableSpec;
  physical: string;
  rows: Row[];
}

/** The same as SQLite binds them: each row as its cells in column order (`sqliteCells`). */
export interface TableCells {
  spec: TableSpec;
  physical: string;
  cells: unknown[][];
}

const asCells = (tables: TableRows[]): TableCells[] =>
  tables.map((t) => ({ spec: t.spec, physical: t.physical, cells: t.rows.map(sqliteCells(t.spec)) }));

/**
 * Writes rows apart from the connection that reads them (write-behind, used by a rebuild into
 * tables nobody else writes). `write` resolves once the rows are committed; writes are committed
 * in the order they were given. A failed write fails the rebuild (writes queued after it may
 * still commit, and on PostgreSQL one write's tables are not one transaction): its tables are
 * scratch tables, dropped by the next rebuild, never swapped in.
 */
export interface RowWriter {
  write(tables: TableRows[]): Promise<void>;
  close(): Promise<void>;
}

/** A writer running `write` for one set of tables at a time, in the order given; `end` once the last is done. */
function inOrder(write: (tables: TableRows[]) => Promise<void>, end: () => void = () => undefined): RowWriter {
  let last: Promise<void> = Promise.resolve();
  return {
    write(tables) {
      const writing = last.then(() => write(tables));
      last = writing.catch(() => undefined);
      return writing;
    },
    async close() {
      await last;
      end();
    },
  };
}

/** PostgreSQL: each write on a connection of the pool's own, while the caller goes on with its. */
export function pooledWriter(store: ReadStore, db: Kysely<any>): RowWriter {
  return inOrder(async (tables) => {
    for (const t of tables) await store.upsert(db, t.spec, t.physical, t.rows);
  });
}

/** A connection of its own to a SQLite read database, writing each set of tables in one transaction. */
export class SqliteRowSink {
  private readonly db: Database.Database;
  private readonly store: ReadStore;
  private readonly transaction: (tables: TableCells[]) => void;

  constructor(file: string) {
    // A smaller page cache than the service's connections: the writer thread only appends and
    // replaces rows, and its memory counts in the rebuild's.
    this.db = openSqliteFile(file, 16_384);
    this.store = new ReadStore({ dialect: 'sqlite', sqlite: this.db });
    const write = this.db.transaction((tables: TableCells[]) => {
      for (const t of tables) this.store.upsertSqliteCells(this.db, t.spec, t.physical, t.cells);
    });
    this.transaction = (tables) => write.immediate(tables);
  }

  write(tables: TableCells[]): void {
    this.transaction(tables);
  }

  close(): void {
    this.db.close();
  }
}

type Reply = { id: number; error?: string };

/**
 * SQLite: the rows are written by a worker thread with its own connection, on the other core,
 * while this thread projects the next events (`new SqliteRowSink` in sqlite-row-writer.worker.ts).
 * Where worker threads cannot run (the TypeScript test runner), the same sink writes on a
 * connection of its own in this thread, a turn of the event loop later.
 */
export function sqliteWriter(file: string): RowWriter {
  return workersAvailable() ? new SqliteWriterThread(file) : inProcessSqliteWriter(file);
}

function inProcessSqliteWriter(file: string): RowWriter {
  const sink = new SqliteRowSink(file);
  return inOrder(
    async (tables) => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sink.write(asCells(tables));
    },
    () => sink.close(),
  );
}

const WORKER_SCRIPT = new URL('./sqlite-row-writer.worker.js', import.meta.url);

class SqliteWriterThread implements RowWriter {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly exited: Promise<void>;
  private nextId = 0;
  private failure: Error | null = null;

  constructor(file: string) {
    this.worker = new Worker(fileURLToPath(WORKER_SCRIPT), { workerData: { file } });
    this.worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error === undefined) waiting?.resolve();
      else waiting?.reject(new Error(`read-model writer: ${reply.error}`));
    });
    this.worker.on('error', (error) => this.fail(error));
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', (code) => {
        this.fail(new Error(`read-model writer thread exited with code ${code}`));
        resolve();
      });
    });
  }

  write(tables: TableRows[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const writing = new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, tables: asCells(tables) });
    });
    this.inFlight.add(writing);
    const done = () => void this.inFlight.delete(writing);
    writing.then(done, done);
    return writing;
  }

  /** Waits for the writes in flight, then has the thread close its connection and end. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
    this.failure ??= new Error('read-model writer closed');
    this.worker.postMessage({ close: true });
    await this.exited;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
  }
}
