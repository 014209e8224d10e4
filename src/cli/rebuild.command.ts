import type { Command } from 'commander';
import { positionFraction, progressBar } from './progress.js';
import { withLedger } from './context.js';
import { REPLAY_BATCH_SIZE } from '../read-models/read-models.js';
import { UsageError } from './usage-error.js';

export function rebuildCommand(program: Command): void {
  program
    .command('rebuild')
    .description('Rebuild projections from position 0 into fresh tables and swap them in; the service keeps answering from the old tables until the swap')
    .argument('[projections...]', 'projection names (bills, complaints, engineer-scores)')
    .option('--all', 'rebuild every projection')
    .option('--batch-size <n>', 'events read and applied at a time', (v) => Number.parseInt(v, 10), REPLAY_BATCH_SIZE)
    .action(async (names: string[], options: { all?: boolean; batchSize: number }) => {
      await withLedger(async ({ store, readModels }) => {
        const known = readModels.projections.map((p) => p.name);
        const chosen = options.all ? known : names;
        if (chosen.length === 0) throw new UsageError(`name the projections to rebuild (${known.join(', ')}) or pass --all`);
        for (const name of chosen) if (!known.includes(name)) throw new UsageError(`unknown projection "${name}" (known: ${known.join(', ')})`);
        if (!Number.isSafeInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > 10_000) {
          throw new UsageError('--batch-size must be a whole number from 1 to 10000');
        }
        const started = performance.now();
        const bar = progressBar(`rebuild ${chosen.join(', ')}`, started);
        const result = await readModels.rebuild(store, chosen, {
          batchSize: options.batchSize,
          onProgress: (p) => bar.update(p.events, positionFraction(p)),
        });
        bar.stop();
        const seconds = (performance.now() - started) / 1000;
        process.stdout.write(
          `rebuilt ${result.projections.join(', ')}: ${result.events} events in ${seconds.toFixed(1)} s ` +
            `(${Math.round(result.events / Math.max(seconds, 0.001))} events/s), position ${result.position ?? 'none'}, ` +
            `generation ${Object.entries(result.generation).map(([n, g]) => `${n}=${g}`).join(' ')}\n`,
        );
      });
    });
}
