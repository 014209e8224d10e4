import type { Command } from 'commander';
import { type AppConfig, loadConfig } from '../config/config.js';
import { CITIES } from '../simulate/catalogue.js';
import { DEFAULT_START, MAX_ORDERS, simulate, StoreNotEmpty } from '../simulate/simulate.js';
import { formatSummary } from '../simulate/summary.js';
import { isIsoInstant } from '../shared/time.js';
import { progressBar } from './progress.js';
import { UsageError } from './usage-error.js';

/** Where the command reads its configuration and writes its output (the process's, unless a test passes its own). */
export interface SimulateCliEnv {
  config(): AppConfig;
  stdout(text: string): void;
  /** Shows a progress bar on stderr while it runs. */
  progress: boolean;
}

const processEnv: SimulateCliEnv = {
  config: () => loadConfig(),
  stdout: (text) => process.stdout.write(text),
  progress: true,
};

function wholeNumber(option: string, raw: string, min: number, max: number): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = min === 1 && max >= MAX_ORDERS ? `a positive whole number (at most ${max})` : `a whole number from ${min} to ${max}`;
    throw new UsageError(`${option} must be ${range} (got "${raw}")`);
  }
  return value;
}

export function simulateCommand(program: Command, env: SimulateCliEnv = processEnv): void {
  program
    .command('simulate')
    .description(
      'Write a believable, deterministic history of the after-sales trade into an empty store by driving the real command handlers ' +
        '(rate cards, engineers, orders, quotes, charges, payments, ratings, complaints, and the refusals the rules make)',
    )
    .option('--orders <n>', 'service orders to simulate, repeat visits included')
    .option('--seed <s>', 'the same seed and options give the same events in every stream', '1')
    .option('--start <instant>', "the simulated clock's first instant (ISO-8601 UTC)", DEFAULT_START)
    .option('--orders-per-day <n>', 'average new orders per simulated day (default: orders / 28, from 100 to 3000)')
    .option('--cities <n>', `cities served, largest first (1-${CITIES.length})`, String(CITIES.length))
    .option('--json', 'print the summary as JSON')
    .action(async (options: { orders?: string; seed: string; start: string; ordersPerDay?: string; cities: string; json?: boolean }) => {
      if (options.orders === undefined) throw new UsageError('--orders is required: how many service orders to simulate, e.g. --orders 2000');
      const orders = wholeNumber('--orders', options.orders, 1, MAX_ORDERS);
      const seed = wholeNumber('--seed', options.seed, 0, 0xffffffff);
      if (!isIsoInstant(options.start)) throw new UsageError(`--start must be an ISO-8601 instant such as ${DEFAULT_START} (got "${options.start}")`);
      const ordersPerDay = options.ordersPerDay === undefined ? undefined : wholeNumber('--orders-per-day', options.ordersPerDay, 1, 1_000_000);
      const cities = wholeNumber('--cities', options.cities, 1, CITIES.length);
      const config = env.config();

      const bar = env.progress ? progressBar('simulate') : null;
      let summary;
      try {
        summary = await simulate(config, { orders, seed, start: options.start, cities, ...(ordersPerDay ? { ordersPerDay } : {}) }, {
          onProgress: (p) => bar?.update(p.events, p.fraction),
        });
      } catch (error) {
        if (error instanceof StoreNotEmpty) throw new UsageError(error.message);
        throw error;
      } finally {
        bar?.stop();
      }
      if (options.json) {
        env.stdout(`${JSON.stringify(summary, null, 2)}\n`);
        return;
      }
      env.stdout(formatSummary(summary));
      env.stdout('  read models: run `service-ledger rebuild --all` (or start the service) to build bills, scores and complaint views\n');
    });
}
