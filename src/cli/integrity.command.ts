import type { Command } from 'commander';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EventStore } from '../event-store/event-store.port.js';
import { handleCommand } from '../event-store/handle-command.js';
import { CommandContextFactory } from '../http/command-context.js';
import type { Clock } from '../shared/clock.js';
import {
  CHECKPOINT_STREAM,
  CheckpointError,
  type CheckpointFile,
  checkpointDecider,
  openCheckpoint,
  signCheckpoint,
  signingKey,
} from '../integrity/checkpoint.js';
import { defaultWorkerCount, inWorkers } from '../integrity/audit-workers.js';
import { workersAvailable } from '../shared/workers.js';
import type { Discrepancy } from '../integrity/ledger-audit.js';
import { verifyLedger, type VerifyReport } from '../integrity/verify.js';
import { cliActor, withLedger } from './context.js';
import { positionFraction, progressBar } from './progress.js';
import { UsageError } from './usage-error.js';

/** Exit code of a verification that found something wrong (2 stays for usage errors). */
const DISCREPANCY_EXIT = 1;
const LISTED = 20;

export function integrityCommands(program: Command): void {
  program
    .command('keygen')
    .description('Create an Ed25519 key pair for signing checkpoints; keep the private key away from the ledger and its backups')
    .requiredOption('--out <dir>', 'directory for checkpoint-key.pem (private, mode 600) and checkpoint-key.pub.pem')
    .action((options: { out: string }) => {
      const privatePath = join(options.out, 'checkpoint-key.pem');
      const publicPath = join(options.out, 'checkpoint-key.pub.pem');
      if (existsSync(options.out) && !statSync(options.out).isDirectory()) throw new UsageError(`--out ${options.out} is a file, not a directory`);
      for (const path of [privatePath, publicPath]) if (existsSync(path)) throw new UsageError(`${path} exists; a key is never overwritten`);
      // A new directory is created readable by its owner only: it holds the private key.
      mkdirSync(options.out, { recursive: true, mode: 0o700 });
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      writeFileSync(privatePath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
      writeFileSync(publicPath, publicKey.export({ type: 'spki', format: 'pem' }), { flag: 'wx' });
      process.stdout.write(`wrote ${privatePath} and ${publicPath}\n`);
    });

  program
    .command('checkpoint')
    .description('Verify every hash chain, then sign a digest over all stream heads at the current head position, record it in the ledger and write it to a file for safekeeping elsewhere')
    .requiredOption('--key <file>', 'Ed25519 private key (PEM), e.g. from keygen')
    .requiredOption('--out <file>', 'where to write the checkpoint (never overwritten)')
    .option('--workers <n>', 'worker threads sharing the streams (0 or 1: all in this thread); default one per core on the embedded store, none on PostgreSQL', (v) => Number.parseInt(v, 10))
    .option('--no-store-hashing', 'compute every hash in this process from the stored payload text, trusting nothing the database computes (slower)')
    .action(async (options: { key: string; out: string; workers?: number; storeHashing: boolean }) => {
      const workers = workerCount(options.workers);
      if (existsSync(options.out)) throw new UsageError(`${options.out} exists; a checkpoint file is never overwritten`);
      const privateKeyPem = readText(options.key, '--key');
      try {
        signingKey(privateKeyPem); // a wrong key is refused before the ledger is read, not after
      } catch (error) {
        if (error instanceof CheckpointError) throw new UsageError(`--key: ${error.message}`);
        throw error;
      }
      // Its directory is made before the ledger is read, so a signed checkpoint always has somewhere to go.
      mkdirSync(dirname(options.out), { recursive: true });
      await withLedger(async ({ store, clock }) => {
        const position = await store.headPosition();
        const started = performance.now();
        const bar = progressBar('checkpoint: verifying', started);
        const { report, audit } = await verifyLedger(store, {
          checkpointPosition: position,
          partitions: partitionsOf(workers ?? defaultWorkers(store)),
          storeHashing: options.storeHashing,
          onProgress: (p) => bar.update(p.events, positionFraction(p)),
        });
        bar.stop();
        if (!report.ok) {
          printDiscrepancies(report.discrepancies);
          process.stderr.write('service-ledger: nothing signed: the ledger does not verify\n');
          process.exitCode = DISCREPANCY_EXIT;
          return;
        }
        const file = signCheckpoint({ position, events: audit.eventsAtCheckpoint, heads: audit.headsAtCheckpoint(), createdAt: clock.now() }, privateKeyPem);
        writeFileSync(options.out, JSON.stringify(file), { flag: 'wx' });
        const recorded = await recordCheckpoint(store, clock, file);
        process.stdout.write(
          `${JSON.stringify({ statement: file.statement, signature: file.signature }, null, 2)}\n` +
            `signed ${file.statement.streams} stream heads (${file.statement.events} events) at position ${file.statement.position}; ` +
            `written to ${options.out}; recorded in ${CHECKPOINT_STREAM} at revision ${recorded}\n`,
        );
      });
    });

  program
    .command('verify')
    .description('Check every stream hash chain, the global positions, each projection against a fresh replay, and optionally a signed checkpoint; exits 1 naming the first discrepancy')
    .option('--checkpoint <file>', 'a checkpoint file the ledger must still contain')
    .option('--public-key <file>', "the checkpoint signer's public key (PEM); without it the key inside the checkpoint file is used")
    .option('--no-projections', 'skip comparing the projections with a fresh replay')
    .option('--json', 'print the report as JSON')
    .option('--batch-size <n>', 'events per read', (v) => Number.parseInt(v, 10), 10_000)
    .option('--workers <n>', 'worker threads sharing the streams (0 or 1: all in this thread); default one per core on the embedded store, none on PostgreSQL', (v) => Number.parseInt(v, 10))
    .option('--no-store-hashing', 'compute every hash in this process from the stored payload text, trusting nothing the database computes (slower)')
    .action(async (options: { checkpoint?: string; publicKey?: string; projections: boolean; json?: boolean; batchSize: number; workers?: number; storeHashing: boolean }) => {
      if (!Number.isSafeInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > 100_000) {
        throw new UsageError('--batch-size must be a whole number from 1 to 100000');
      }
      const workers = workerCount(options.workers);
      if (options.publicKey && !options.checkpoint) throw new UsageError('--public-key goes with --checkpoint');
      let checkpoint: ReturnType<typeof openCheckpoint> | undefined;
      if (options.checkpoint) {
        try {
          checkpoint = openCheckpoint(readText(options.checkpoint, '--checkpoint'), options.publicKey ? readText(options.publicKey, '--public-key') : undefined);
        } catch (error) {
          if (!(error instanceof CheckpointError)) throw error;
          // A checkpoint that does not hold up is itself a finding, not a usage mistake.
          process.stderr.write(`service-ledger: ${options.checkpoint}: ${error.message}\n`);
          process.exitCode = DISCREPANCY_EXIT;
          return;
        }
      }
      await withLedger(async ({ store, readModels }) => {
        const started = performance.now();
        let bar = progressBar('verify: events', started);
        let phase = 'events';
        const { report } = await verifyLedger(store, {
          batchSize: options.batchSize,
          partitions: partitionsOf(workers ?? defaultWorkers(store)),
          storeHashing: options.storeHashing,
          checkpoint,
          readModels: options.projections ? readModels : undefined,
          onProgress: (p) => {
            if (p.phase !== phase) {
              bar.stop();
              phase = p.phase;
              bar = progressBar('verify: projections', performance.now());
            }
            bar.update(p.events, positionFraction(p));
          },
        });
        bar.stop();
        const seconds = (performance.now() - started) / 1000;
        if (options.json) process.stdout.write(`${JSON.stringify({ ...report, seconds: Number(seconds.toFixed(3)) }, null, 2)}\n`);
        else printReport(report, seconds, checkpoint && !options.publicKey);
        if (!report.ok) process.exitCode = DISCREPANCY_EXIT;
      });
    });
}

/** Appends the signed statement to the ledger (not the heads: the file carries those). Returns the revision. */
async function recordCheckpoint(store: EventStore, clock: Clock, file: CheckpointFile): Promise<number> {
  const context = new CommandContextFactory(clock).create(cliActor('admin'), `checkpoint:${file.statement.headsSha256}:${file.statement.position}`);
  const data = { statement: file.statement, signature: file.signature, publicKeyPem: file.publicKeyPem };
  const result = await handleCommand(store, CHECKPOINT_STREAM, checkpointDecider, { type: 'RecordCheckpoint', data }, context.metadata);
  return result.revision;
}

/**
 * One worker thread per core on the embedded store. On PostgreSQL none by default: the database
 * server does much of the work on the same cores, and split reads measured slower than one.
 */
function defaultWorkers(store: EventStore): number {
  return store.kind === 'embedded' ? defaultWorkerCount() : 0;
}

function workerCount(requested: number | undefined): number | undefined {
  if (requested === undefined) return undefined;
  if (!Number.isSafeInteger(requested) || requested < 0 || requested > 64) throw new UsageError('--workers must be a whole number from 0 to 64');
  if (requested > 0 && !workersAvailable()) throw new UsageError('--workers needs the compiled CLI (dist/src/cli.js)');
  return requested;
}

/** The streams split over `workers` worker threads; none (one pass in this thread) for 0 or 1. */
function partitionsOf(workers: number) {
  return workers > 1 ? { count: workers, run: inWorkers() } : undefined;
}

function readText(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${option}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function located(d: Discrepancy): string {
  if (d.stream !== undefined) return `stream ${d.stream} revision ${d.revision}: ${d.message}`;
  if (d.table !== undefined) return `table ${d.message}`;
  return d.message;
}

function printDiscrepancies(found: Discrepancy[]): void {
  if (found.length === 0) return;
  process.stdout.write(`FIRST DISCREPANCY: ${located(found[0]!)}\n`);
  for (const d of found.slice(1, LISTED)) process.stdout.write(`  also: ${located(d)}\n`);
  if (found.length > LISTED) process.stdout.write(`  ... and ${found.length - LISTED} more (--json lists all)\n`);
}

function printReport(report: VerifyReport, seconds: number, keyFromFile: boolean | undefined): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(
    `events: ${report.events} in ${report.streams} streams, hash chains checked in ${seconds.toFixed(1)} s overall ` +
      `(store ${report.store}, positions ${report.positions === 'opaque' ? 'not checkable on this store' : `checked (${report.positions})`})`,
  );
  if (report.checkpoint) {
    const c = report.checkpoint;
    out(
      `checkpoint: position ${c.position}, ${c.streams} streams, ${c.events} events, key ${c.keyId.slice(0, 16)}…: ${c.ok ? 'everything it covers is present and unchanged' : 'NOT MATCHED'}` +
        (keyFromFile ? ' (key taken from the file: pass --public-key to pin the signer)' : ''),
    );
  }
  for (const t of report.tables ?? []) {
    out(`table ${t.table} (${t.projection}, position ${t.position ?? 'none'}): ${t.live.rows} rows, ${t.equal ? 'equal to a fresh replay' : 'DIFFERS from a fresh replay'} (sha256 ${t.live.sha256.slice(0, 16)}…)`);
  }
  printDiscrepancies(report.discrepancies);
  out(report.ok ? 'OK' : `FAILED: ${report.discrepancies.length} discrepancies`);
}
