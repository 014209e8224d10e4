import { Command } from 'commander';
import type { OrderReadEnv } from '../../src/cli/order-reads.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import type { TestApp } from '../support/app.js';

export const CLI_ACTOR = { id: 'cli:tester', role: 'compliance' as const };

/**
 * Runs one CLI command in this process against a test app's store and clock, as
 * `service-ledger <args>` would against the configured one. Returns what it printed and the
 * exit code it set (a UsageError is thrown, as cli.ts turns it into exit code 2).
 */
export async function runCli(
  t: TestApp,
  register: (program: Command, env: OrderReadEnv) => void,
  args: string[],
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  let stdout = '';
  let stderr = '';
  const program = new Command().exitOverride();
  register(program, {
    open: (work) => work({ store: t.app.get<EventStore>(EVENT_STORE), clock: t.clock }),
    actor: CLI_ACTOR,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
  });
  const before = process.exitCode;
  process.exitCode = undefined;
  try {
    await program.parseAsync(args, { from: 'user' });
    return { stdout, stderr, exitCode: Number(process.exitCode ?? 0) };
  } finally {
    process.exitCode = before;
  }
}
