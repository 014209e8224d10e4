import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AuditResult } from './ledger-audit.js';
import type { PartitionJob, PartitionRunner } from './verify.js';

const WORKER_SCRIPT = new URL('./audit-worker.js', import.meta.url);

type WorkerMessage =
  | { type: 'progress'; events: number; position: string }
  | { type: 'done'; result: AuditResult }
  | { type: 'failed'; error: string };

/**
 * Worker threads for verification: each opens the store itself (the same environment as this
 * process) and audits one partition of the streams. Only from the compiled JavaScript: the worker
 * script is loaded by Node itself.
 */
export class AuditWorkers {
  private constructor(private readonly env: NodeJS.ProcessEnv) {}

  /** Whether worker threads can run here (this module is compiled JavaScript, as its worker is). */
  static available(): boolean {
    return import.meta.url.endsWith('.js');
  }

  /** One per core the process may use. */
  static defaultCount(): number {
    return AuditWorkers.available() ? availableParallelism() : 0;
  }

  static create(env: NodeJS.ProcessEnv = process.env): AuditWorkers {
    return new AuditWorkers(env);
  }

  /** Runs a job in a worker of its own, which ends with it. */
  readonly run: PartitionRunner = (job: PartitionJob, onProgress) =>
    new Promise<AuditResult>((resolve, reject) => {
      // A young generation larger than the default: the scan makes many short-lived strings.
      const worker = new Worker(fileURLToPath(WORKER_SCRIPT), {
        workerData: { env: this.env, job },
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
