import { parentPort, workerData } from 'node:worker_threads';
import { SqliteRowSink, type TableCells } from './row-writer.js';

/** The read-model writer thread (see sqliteWriter in row-writer.ts): each message is one transaction, answered when committed. */
const sink = new SqliteRowSink((workerData as { file: string }).file);
parentPort!.on('message', (message: { id: number; tables: TableCells[] } | { close: true }) => {
  if ('close' in message) {
    sink.close();
    parentPort!.close();
    return;
  }
  const { id, tables } = message;
  try {
    sink.write(tables);
    parentPort!.postMessage({ id });
  } catch (error) {
    parentPort!.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
