import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { workersAvailable } from '../shared/workers.js';
import type { AuditResult } from './ledger-audit.js';
import type { PartitionJob, PartitionRunner } from './verify.js';

const WORKER_SCRIPT = new URL('./audit-worker.js', import.meta.url);

type WorkerMessage =
  | { type: 'progress'; events: number; position: string }
  | { type: 'done'; result: AuditResult }
  | { type: 'failed'; error: string };

/** One worker per core the process may use, where workers can run. */
export function defaultWorkerCount(): number {
  return workersAvailable() ? availableParallelism() : 0;
}

/**
 * Verification in worker threads: each job runs in a worker of its own that opens the store itself
 * (the same environment as this process), audits its partition of the streams and ends with it.
 */
export function inWorkers(env: NodeJS.ProcessEnv = process.env): PartitionRunner {
  return (job: PartitionJob, onProgress) =>
    new Promise<AuditResult>((resolve, reject) => {
      // A young generation larger than the default: the scan makes many short-lived strings.
      const worker = new Worker(fileURLToPath(WORKER_SCRIPT), {
        workerData: { env, job },
        resourceLimits: { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 64 },
      });
      let settled = false;
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'progress') onProgress(m.events, BigInt(m.position));
        else {
          settled = true;
          if (m.type === 'done') resolve(m.result);
          else reject(new Error(`verification worker ${job.index}: ${m.error}`));
          void worker.terminate();
        }
      });
      worker.on('error', (error) => {
        settled = true;
        reject(error);
      });
      worker.on('exit', (code) => {
        if (!settled) reject(new Error(`verification worker ${job.index} exited with code ${code}`));
      });
    });
}
