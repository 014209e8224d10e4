import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { SystemClock } from '../shared/clock.js';
import { projectedRowSource } from './embedded.event-store.js';
import { PostgresEventStore } from './postgres.event-store.js';
import { nextPosition, type ProjectedRowSource, type ReaderSource } from './read-ahead.js';

/**
 * The `$all` reader thread (see projectedReader): on each request, the next batch of rows from a
 * connection of its own; after a short batch (the end of `$all` when it read), empty ones. On
 * 'close' it closes its connection and ends.
 */
const { source, fromPosition, batchSize } = workerData as { source: ReaderSource; fromPosition: string; batchSize: number };

async function open(): Promise<{ read: ProjectedRowSource; close: () => Promise<void> }> {
  if (source.kind === 'embedded') {
    const db = new Database(source.file, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return { read: projectedRowSource(db), close: async () => void db.close() };
  }
  const store = await PostgresEventStore.open({ ...source, clock: new SystemClock(), poolSize: 2, readOnly: true });
  return { read: (from, maxCount) => store.readProjectedRows(from, maxCount), close: () => store.close() };
}

const opening = open();
opening.catch(() => undefined);
let from = BigInt(fromPosition);
let ended = false;
// Messages are handled one at a time, in order.
let queue: Promise<void> = Promise.resolve();
parentPort!.on('message', (message: 'more' | 'close') => {
  queue = queue.then(async () => {
    if (message === 'close') {
      await (await opening.catch(() => null))?.close();
      parentPort!.close();
      return;
    }
    if (ended) return parentPort!.postMessage({ rows: [] });
    try {
      const rows = await (await opening).read(from, batchSize);
      if (rows.length < batchSize) ended = true;
      if (rows.length > 0) from = nextPosition(rows);
      parentPort!.postMessage({ rows });
    } catch (error) {
      ended = true;
      parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) });
    }
  });
});
