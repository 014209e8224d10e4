import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { PROJECTED_ALL_SQL, type ProjectedRow } from './embedded-all-reader.js';

/**
 * The `$all` reader thread (see embeddedAllReader): on each request, the next batch of rows from its
 * own read-only connection; after a short batch (the end of `$all` when it read), empty ones.
 */
const { file, fromPosition, batchSize } = workerData as { file: string; fromPosition: number; batchSize: number };
const db = new Database(file, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const read = db.prepare<[number, number], unknown[]>(PROJECTED_ALL_SQL).raw(true);
let from = fromPosition;
let ended = false;
parentPort!.on('message', () => {
  if (ended) return parentPort!.postMessage({ rows: [] });
  try {
    const rows = read.all(from, batchSize) as ProjectedRow[];
    if (rows.length < batchSize) ended = true;
    if (rows.length > 0) from = rows[rows.length - 1]![0] + 1;
    parentPort!.postMessage({ rows });
  } catch (error) {
    ended = true;
    parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
});
