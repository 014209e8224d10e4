#!/usr/bin/env -S node --max-old-space-size=384
import 'reflect-metadata';
import { Command } from 'commander';
import { exportCommand } from './cli/export.command.js';
import { historyCommand } from './cli/history.command.js';
import { integrityCommands } from './cli/integrity.command.js';
import { rebuildCommand, UsageError } from './cli/rebuild.command.js';
import { ConfigError } from './config/config.js';

/**
 * `service-ledger <command>`: the operations that work on the ledger without HTTP. It reads the
 * same environment as the service (STORE, DATA_DIR, DATABASE_URL, ...). It runs with a 384 MB
 * heap: its work is batched, and the cap makes V8 collect instead of growing the heap.
 */
const program = new Command()
  .name('service-ledger')
  .description("service-ledger operations on the ledger: rebuild read models, replay an order's history, export evidence, verify, sign checkpoints")
  .showHelpAfterError();

rebuildCommand(program);
historyCommand(program);
exportCommand(program);
integrityCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof UsageError || error instanceof ConfigError) {
    process.stderr.write(`service-ledger: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`service-ledger: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
