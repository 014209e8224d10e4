#!/usr/bin/env -S node --max-old-space-size=384 --max-semi-space-size=32
import 'reflect-metadata';
import { Command } from 'commander';
import { UsageError } from './cli/usage-error.js';
import { ConfigError } from './config/config.js';

/**
 * `service-ledger <command>`: the operations that work on the ledger without HTTP. It reads the
 * same environment as the service (STORE, DATA_DIR, DATABASE_URL, ...). It runs with a 384 MB
 * heap: its work is batched, and the cap makes V8 collect instead of growing the heap.
 */
const program = new Command()
  .name('service-ledger')
  .description("service-ledger operations on the ledger: rebuild read models, replay an order's history, export evidence, verify, sign checkpoints, simulate")
  .showHelpAfterError();

type Registrar = (program: Command) => void;

/**
 * Each command's module, loaded only when that command runs (or for the help): some pull in the
 * whole NestJS application, which would add seconds to every other command's start.
 */
const integrity = async (): Promise<Registrar> => (await import('./cli/integrity.command.js')).integrityCommands;
const COMMANDS: Record<string, () => Promise<Registrar>> = {
  rebuild: async () => (await import('./cli/rebuild.command.js')).rebuildCommand,
  simulate: async () => (await import('./cli/simulate.command.js')).simulateCommand,
  history: async () => (await import('./cli/history.command.js')).historyCommand,
  export: async () => (await import('./cli/export.command.js')).exportCommand,
  keygen: integrity,
  checkpoint: integrity,
  verify: integrity,
};

const named = process.argv[2];
const loaders = named !== undefined && named in COMMANDS ? [COMMANDS[named]!] : [...new Set(Object.values(COMMANDS))];

(async () => {
  for (const load of loaders) (await load())(program);
  await program.parseAsync(process.argv);
})().catch((error: unknown) => {
  if (error instanceof UsageError || error instanceof ConfigError) {
    process.stderr.write(`service-ledger: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`service-ledger: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
