import type { RecordedEvent } from './envelope.js';
import type { AllSubscription } from './event-store.port.js';

/**
 * Catch-up then live subscription over a store whose `readAll` only ever returns events in
 * commit-safe order: it reads batches until the store has nothing more, then waits for a wake-up
 * (an append in this process, a NOTIFY) or the poll interval, and reads again. It never skips:
 * it continues strictly after the last position it delivered.
 */
export class PollingSubscription implements AllSubscription {
  private closed = false;
  /** Set by notify(); a wake-up that arrives while a read is under way is not lost. */
  private pending = false;
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly readBatch: (fromPosition: bigint, maxCount: number) => Promise<RecordedEvent[]>,
    private fromPosition: bigint,
    private readonly batchSize: number,
    private readonly pollMs: number,
    private readonly unregister: () => void,
  ) {}

  /** Called by the store when new events may be readable. */
  notify(): void {
    this.pending = true;
    this.wake?.();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unregister();
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent[]> {
    try {
      while (!this.closed) {
        this.pending = false;
        const batch = await this.readBatch(this.fromPosition, this.batchSize);
        if (this.closed) break;
        if (batch.length > 0) {
          this.fromPosition = batch[batch.length - 1]!.position + 1n;
          yield batch;
          continue;
        }
        await this.sleep();
      }
    } finally {
      await this.close();
    }
  }

  private sleep(): Promise<void> {
    if (this.pending) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        if (this.timer) clearTimeout(this.timer);
        this.timer = null;
        this.wake = null;
        resolve();
      };
      this.wake = done;
      this.timer = setTimeout(done, this.pollMs);
    });
  }
}
