/**
 * The only source of "now" in the service. Domain and projection code never read the system
 * clock: handlers take the time from an injected Clock and pass it into commands, so a replay
 * or a test sees exactly the time that was recorded.
 */
export interface Clock {
  /** The current instant as an ISO-8601 UTC string with millisecond precision. */
  now(): string;
}

export const CLOCK = Symbol('CLOCK');

export class SystemClock implements Clock {
  now(): string {
    return new Date().toISOString();
  }
}

/** A clock that stands still until told to move; used by tests, the simulator and benchmarks. */
export class FixedClock implements Clock {
  private current: number;

  constructor(start: string) {
    this.current = Date.parse(start);
    if (Number.isNaN(this.current)) throw new Error(`FixedClock: not an ISO instant: ${start}`);
  }

  now(): string {
    return new Date(this.current).toISOString();
  }

  set(instant: string): void {
    this.current = Date.parse(instant);
  }

  advance(ms: number): string {
    this.current += ms;
    return this.now();
  }
}
