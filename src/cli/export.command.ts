import type { Command } from 'commander';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Actor } from '../event-store/envelope.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { buildEvidence, type EvidenceBundle } from '../evidence/evidence.js';
import { evidenceFiles } from '../evidence/evidence-files.js';
import { StoreReadAudit } from '../read-audit/application/read-audit.log.js';
import type { Clock } from '../shared/clock.js';
import { defaultOrderReadEnv, type OrderReadEnv, orderOption, reasonOption, reportingRefusals } from './order-reads.js';
import { UsageError } from './usage-error.js';

/** `--out`: a directory that does not exist yet or is empty; an export never overwrites anything. */
export function outOption(value: string | undefined): string {
  if (value === undefined) throw new UsageError('--out <dir> is required');
  const dir = resolve(value);
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new UsageError(`--out ${value} is a file, not a directory`);
    entries = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return dir;
    throw error;
  }
  if (entries.length > 0) throw new UsageError(`--out ${value} is not empty; an export never overwrites files (choose a new or empty directory)`);
  return dir;
}

/**
 * Builds the order's evidence bundle, records the export in the read audit, then writes the
 * files (each created, never overwritten). The audit comes before the files: no export leaves
 * the ledger unrecorded.
 */
export async function exportEvidence(
  store: Pick<EventStore, 'readStream' | 'append'>,
  clock: Clock,
  actor: Actor,
  request: { orderId: string; out: string; reason?: string },
): Promise<{ bundle: EvidenceBundle; files: string[] }> {
  const bundle = await buildEvidence(store, clock, request.orderId);
  await new StoreReadAudit(store, clock).record(actor, { orderId: request.orderId, what: 'export', channel: 'cli', reason: request.reason });
  mkdirSync(request.out, { recursive: true });
  const files = evidenceFiles(bundle);
  for (const file of files) writeFileSync(join(request.out, file.name), file.content, { flag: 'wx' });
  return { bundle, files: files.map((f) => f.name) };
}

export function exportCommand(program: Command, env: OrderReadEnv = defaultOrderReadEnv()): void {
  program
    .command('export')
    .description(
      "Write an order's evidence bundle into a new directory: its and its complaints' events with hashes, the rate-card versions and engineer credentials relied on, the bill, the charge trail (JSON and CSV), the verification result, a manifest and verify.mjs (run `node verify.mjs` there to recheck). Recorded in the read audit.",
    )
    .option('--order <id>', 'the order')
    .option('--out <dir>', 'a directory that does not exist yet or is empty')
    .option('--reason <text>', 'why you export it, for the read audit (1-500 characters)')
    .action(async (options: { order?: string; out?: string; reason?: string }) => {
      const request = { orderId: orderOption(options.order), out: outOption(options.out), reason: reasonOption(options.reason) };
      await reportingRefusals(env, () =>
        env.open(async ({ store, clock }) => {
          const { bundle, files } = await exportEvidence(store, clock, env.actor, request);
          const events = bundle.streams.reduce((n, s) => n + s.events.length, 0);
          env.stdout(
            `exported order ${bundle.orderId}: ${events} events in ${bundle.streams.length} streams, ` +
              `${bundle.rateCards.length} rate cards, ${bundle.engineerCredentials.dispatches.length} dispatches, store position ${bundle.storePosition}\n` +
              `  ${files.length} files in ${request.out}\n` +
              `  verification: ${bundle.verification.ok ? 'ok' : 'FAILED (see verification.json)'}; recheck with: node ${join(request.out, 'verify.mjs')}\n`,
          );
          if (!bundle.verification.ok) process.exitCode = 1;
        }),
      );
    });
}
