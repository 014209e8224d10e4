import type { Actor } from '../event-store/envelope.js';
import { checkReadReason } from '../read-audit/domain/read-reason.js';
import { DomainError } from '../shared/domain-error.js';
import { isValidId } from '../shared/ids.js';
import { isIsoInstant, normalizeInstant } from '../shared/time.js';
import { cliActor, withStore } from './context.js';
import { UsageError } from './usage-error.js';

/**
 * What the commands that read an order's record (history, export) run with: the event store and
 * clock, who reads, and where output goes. Tests pass their own.
 */
export interface OrderReadEnv {
  open: typeof withStore;
  actor: Actor;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export function defaultOrderReadEnv(): OrderReadEnv {
  return {
    open: withStore,
    // Whoever can run the CLI against the store reads everything; the read audit names the account.
    actor: cliActor('compliance'),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
}

/** `--order`: required, an order id as the API accepts it. */
export function orderOption(value: string | undefined): string {
  if (value === undefined) throw new UsageError('--order <id> is required');
  if (!isValidId(value)) throw new UsageError(`--order must be 1-64 characters of A-Z a-z 0-9 _ - (got ${JSON.stringify(value)})`);
  return value;
}

/** `--as-of`: an ISO-8601 instant with a time zone, normalised; absent: the whole record. */
export function asOfOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!isIsoInstant(value)) throw new UsageError(`--as-of must be an ISO-8601 instant with a time zone, e.g. 2026-05-04T10:00:00Z (got ${JSON.stringify(value)})`);
  return normalizeInstant(value);
}

/** `--reason`: what the read audit records as the reason, under the same rules as X-Access-Reason. */
export function reasonOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const checked = checkReadReason(value);
  if ('problem' in checked) throw new UsageError(`--reason ${checked.problem}`);
  return checked.reason;
}

/**
 * Runs a read; a refusal from the ledger (an unknown order) is reported as one line on stderr
 * with exit code 1, not as a stack trace.
 */
export async function reportingRefusals(env: OrderReadEnv, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    env.stderr(`service-ledger: ${error.message}\n`);
    process.exitCode = 1;
  }
}
