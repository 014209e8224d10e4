import type { Outcome } from './driver.js';

/**
 * Simulated time, advanced in waves.
 *
 * The event store stamps `recordedAt` from the application's clock when it appends, so every
 * command running at the same moment shares one instant. The scheduler therefore moves a
 * simulated clock in ticks: at each tick it wakes every lane due by then, runs their commands
 * concurrently (the embedded store commits what arrives together in one transaction), waits for
 * all of them, and only then moves the clock on. Time never goes backwards, so every stream's
 * `recordedAt` is non-decreasing.
 *
 * A lane is one independent thread of the business: an order with everything that happens to it
 * (its complaints, payments, rating), an engineer's onboarding and later paperwork, a rate card,
 * the stream of arrivals. A lane runs one command at a time and draws from its own random
 * sequence, so what it writes does not depend on how lanes interleave. Lanes of phase 0 (the
 * platform: engineers, rate cards, arrivals) run before the orders of the same tick, so an
 * order sees the engineers and cards exactly as of the tick, never half-way through a change.
 */

/** What a life yields: milliseconds to wait, or a command to run now (its outcome comes back). */
export type Step = number | (() => Promise<Outcome>);
export type Life = Generator<Step, void, Outcome>;

interface Running {
  due: number;
  seq: number;
  life: Life;
}

export class Lane {
  private readonly lives: Running[] = [];
  private seq = 0;
  /** The tick the lane is queued for (set by the scheduler). */
  tick = 0;

  constructor(
    readonly phase: 0 | 1,
    readonly key: number,
  ) {}

  /** Starts a life of this lane at `at` (ms); it runs after the lane's other lives due at the same instant. */
  spawn(life: Life, at: number): void {
    this.lives.push({ due: at, seq: this.seq++, life });
  }

  get done(): boolean {
    return this.lives.length === 0;
  }

  nextDue(): number {
    let due = Number.POSITIVE_INFINITY;
    for (const r of this.lives) if (r.due < due) due = r.due;
    return due;
  }

  /** Runs every life due by `now`, one command at a time, until each waits again or ends. */
  async run(now: number): Promise<void> {
    for (;;) {
      let best: Running | undefined;
      for (const r of this.lives) {
        if (r.due <= now && (!best || r.due < best.due || (r.due === best.due && r.seq < best.seq))) best = r;
      }
      if (!best) return;
      let input: Outcome | undefined;
      for (;;) {
        const step = best.life.next(input as Outcome);
        if (step.done) {
          this.lives.splice(this.lives.indexOf(best), 1);
          break;
        }
        if (typeof step.value === 'number') {
          // At least one millisecond: a life that waits always lands on a later tick.
          best.due = now + Math.max(1, Math.round(step.value));
          best.seq = this.seq++;
          break;
        }
        input = await step.value();
      }
    }
  }
}

/** Lanes ordered by (tick, phase, key): a binary heap. */
class LaneQueue {
  private readonly heap: Lane[] = [];

  get size(): number {
    return this.heap.length;
  }

  peek(): Lane | undefined {
    return this.heap[0];
  }

  push(lane: Lane): void {
    const q = this.heap;
    q.push(lane);
    let i = q.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(lane, q[parent]!)) break;
      q[i] = q[parent]!;
      i = parent;
    }
    q[i] = lane;
  }

  pop(): Lane {
    const q = this.heap;
    const top = q[0]!;
    const last = q.pop()!;
    if (q.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= q.length) break;
        const r = l + 1;
        const child = r < q.length && before(q[r]!, q[l]!) ? r : l;
        if (!before(q[child]!, last)) break;
        q[i] = q[child]!;
        i = child;
      }
      q[i] = last;
    }
    return top;
  }
}

function before(a: Lane, b: Lane): boolean {
  return a.tick < b.tick || (a.tick === b.tick && (a.phase < b.phase || (a.phase === b.phase && a.key < b.key)));
}

export interface Wave {
  /** The tick (ms since the epoch, a multiple of the tick length). */
  tick: number;
  phase: 0 | 1;
}

export class Scheduler {
  private readonly queue = new LaneQueue();

  /**
   * @param tickMs     the length of a tick; lanes due within a tick run together at its end
   * @param setClock   moves the application's clock to the instant of a wave
   * @param jitter     a deterministic offset in [0, tickMs) for a tick, so recorded times are not all round
   */
  constructor(
    readonly tickMs: number,
    private readonly setClock: (instantMs: number) => void,
    private readonly jitter: (tick: number) => number,
  ) {}

  /** The tick a lane due at `at` runs in: the first multiple of the tick length at or after it. */
  tickOf(at: number): number {
    return Math.ceil(at / this.tickMs) * this.tickMs;
  }

  /** Queues a lane whose lives have been spawned (or that waits again after a wave). */
  add(lane: Lane): void {
    if (lane.done) return;
    lane.tick = this.tickOf(lane.nextDue());
    this.queue.push(lane);
  }

  /**
   * Runs waves until no lane is left. `beforeWave` learns the tick first (the world's "now");
   * `afterWave` runs once every command of the wave has finished.
   */
  async run(hooks: { beforeWave(wave: Wave): void; afterWave(wave: Wave, ended: Lane[]): void }): Promise<void> {
    while (this.queue.size > 0) {
      const first = this.queue.peek()!;
      const { tick, phase } = first;
      const batch: Lane[] = [];
      while (this.queue.size > 0 && this.queue.peek()!.tick === tick && this.queue.peek()!.phase === phase) batch.push(this.queue.pop());
      const wave: Wave = { tick, phase };
      this.setClock(tick + this.jitter(tick));
      hooks.beforeWave(wave);
      await Promise.all(batch.map((lane) => lane.run(tick)));
      const ended: Lane[] = [];
      for (const lane of batch) {
        if (lane.done) ended.push(lane);
        else this.add(lane);
      }
      hooks.afterWave(wave, ended);
    }
  }
}
