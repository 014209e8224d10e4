import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { HashCheckResult } from './stored-hash.js';

/** Checks the stored hashes of `count` events from position `from`, somewhere else. */
export interface HashChecker {
  check(from: bigint, count: number): Promise<HashCheckResult>;
  /** True while every checker has enough queued: the reader should wait for one to finish. */
  readonly busy: boolean;
  close(): Promise<void>;
}

const WORKER_SCRIPT = new URL('./hash-worker.js', import.meta.url);
/** Batches queued per worker: enough to keep it busy while the main thread reads ahead. */
const IN_FLIGHT_PER_WORKER = 2;

/**
 * Worker threads that each open the store themselves (same environment as the process) and
 * recompute the hashes of the ranges they are given. Only from the compiled JavaScript: the
 * worker script is loaded by Node itself.
 */
export class HashWorkers implements HashChecker {
  private readonly workers: Worker[] = [];
  private readonly waiting = new Map<number, { resolve: (r: HashCheckResult) => void; reject: (e: unknown) => void }>();
  private readonly load: number[] = [];
  private nextId = 0;
  private failure: unknown = null;

  private constructor(count: number, env: NodeJS.ProcessEnv) {
    for (let i = 0; i < count; i++) {
      const worker = new Worker(fileURLToPath(WORKER_SCRIPT), { workerData: { env } });
      worker.on('message', (m: { id: number; result?: HashCheckResult; error?: string }) => {
        const waiter = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        this.load[i]!--;
        if (m.error !== undefined) waiter?.reject(new Error(`hash worker: ${m.error}`));
        else waiter?.resolve(m.result!);
      });
      worker.on('error', (error) => this.fail(error));
      this.workers.push(worker);
      this.load.push(0);
    }
  }

  /** Whether worker threads can run here (the compiled worker script exists next to this module). */
  static available(): boolean {
    return WORKER_SCRIPT.pathname.endsWith('.js') && import.meta.url.endsWith('.js');
  }

  /** How many to start by default: one per core the process may use. */
  static defaultCount(): number {
    return HashWorkers.available() ? availableParallelism() : 0;
  }

  static start(count: number, env: NodeJS.ProcessEnv = process.env): HashWorkers {
    return new HashWorkers(count, env);
  }

  /** Whether a new range may be handed out without piling up work (the caller reads ahead meanwhile). */
  get busy(): boolean {
    return this.load.every((n) => n >= IN_FLIGHT_PER_WORKER);
  }

  check(from: bigint, count: number): Promise<HashCheckResult> {
    if (this.failure) return Promise.reject(this.failure);
    const index = this.load.indexOf(Math.min(...this.load));
    const id = this.nextId++;
    this.load[index]!++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.workers[index]!.postMessage({ id, from: from.toString(), count });
    });
  }

  private fail(error: unknown): void {
    this.failure = error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
