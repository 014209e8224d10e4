import { parentPort, workerData } from 'node:worker_threads';
import { loadConfig } from '../config/config.js';
import { openEventStore } from '../event-store/open-event-store.js';
import { SystemClock } from '../shared/clock.js';
import { auditPartition, type PartitionJob } from './verify.js';

/** A verification worker (see inWorkers in audit-workers.ts): opens the store, audits its partition, reports back. */
const { env, job } = workerData as { env: NodeJS.ProcessEnv; job: PartitionJob };
const PROGRESS_EVERY_MS = 200;

try {
  const store = await openEventStore(loadConfig(env), new SystemClock());
  try {
    let last = 0;
    const result = await auditPartition(store, job, (events, position) => {
      const now = performance.now();
      if (now - last < PROGRESS_EVERY_MS) return;
      last = now;
      parentPort!.postMessage({ type: 'progress', events, position: position.toString() });
    });
    parentPort!.postMessage({ type: 'done', result });
  } finally {
    await store.close();
  }
} catch (error) {
  parentPort!.postMessage({ type: 'failed', error: error instanceof Error ? error.message : String(error) });
}
