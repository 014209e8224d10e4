import 'reflect-metadata';
import { createApp } from './bootstrap.js';
import { ConfigError, loadConfig } from './config/config.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`service-ledger cannot start: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  process.stdout.write(`service-ledger listening on http://${config.host}:${config.port} (store: ${config.store})\n`);
  // Nest closes the app on these signals (enableShutdownHooks); the log says why the process ends.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => process.stdout.write(`service-ledger stopping on ${signal}: finishing requests in flight, closing the stores\n`));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`service-ledger failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
