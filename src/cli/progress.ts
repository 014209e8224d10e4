import cliProgress from 'cli-progress';

export interface Progress {
  /** Sets the done count (events) and, when known, the fraction of the whole done so far. */
  update(done: number, fraction?: number): void;
  stop(): void;
}

/**
 * A progress bar on stderr: events done, events/s and ETA. The total may be unknown in events
 * (positions are not counts on every store), so the bar runs on the fraction of positions covered
 * and the ETA follows from it. Off a terminal it prints a line every few seconds instead.
 */
export function progressBar(label: string, startedAt = performance.now()): Progress {
  const rate = (done: number) => Math.round(done / Math.max((performance.now() - startedAt) / 1000, 0.001));
  if (!process.stderr.isTTY) {
    let lastPrint = 0;
    return {
      update(done, fraction) {
        const now = performance.now();
        if (now - lastPrint < 5_000) return;
        lastPrint = now;
        const pct = fraction === undefined ? '' : ` ${(fraction * 100).toFixed(1)}%`;
        process.stderr.write(`${label}: ${done} events${pct}, ${rate(done)} events/s\n`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {percentage}% | {done} events | {rate} events/s | ETA {eta_formatted}`, stream: process.stderr, etaBuffer: 50 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(1000, 0, { done: 0, rate: 0 });
  return {
    update(done, fraction) {
      bar.update(Math.round((fraction ?? 0) * 1000), { done, rate: rate(done) });
    },
    stop() {
      bar.update(1000);
      bar.stop();
    },
  };
}

/** How far a scan from `first` to `head` has come at `position`, as a fraction (positions are not counts). */
export function positionFraction(p: { position: bigint; firstPosition: bigint | null; headPosition: bigint }): number {
  const span = p.firstPosition === null ? 0n : p.headPosition - p.firstPosition;
  return span <= 0n ? 1 : Math.min(1, Number(p.position - p.firstPosition!) / Number(span));
}
