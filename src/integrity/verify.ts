import type { EventStore, PositionScheme, StoredEvent } from '../event-store/event-store.port.js';
import type { ReadModels, TableComparison } from '../read-models/read-models.js';
import { type CheckpointFile, compareWithCheckpoint } from './checkpoint.js';
import { type AuditResult, type Discrepancy, type LedgerAuditResult, mergeResults, PositionAudit, StreamAudit } from './ledger-audit.js';

export interface VerifyProgress {
  phase: 'events' | 'projections';
  events: number;
  position: bigint;
  /** The store's head when the phase started: how far it has to go. */
  headPosition: bigint;
  firstPosition: bigint | null;
}

/** One share of the streams to check, self-contained so a worker thread can take it. */
export interface PartitionJob {
  index: number;
  count: number;
  batchSize: number;
  /** Events after this position (the head when verification started) are left for next time. */
  untilPosition: string;
  checkpointPosition?: string;
  /** Let the store assemble (and, if it can, digest) the hashed text: see ReadStoredOptions.hashInput. */
  storeHashing: boolean;
}

/** Runs a partition's audit somewhere (this thread, a worker thread) and reports its progress. */
export type PartitionRunner = (job: PartitionJob, onProgress: (events: number, position: bigint) => void) => Promise<AuditResult>;

export interface VerifyOptions {
  batchSize?: number;
  /** Collect every stream's head at this position (for signing a checkpoint); a given checkpoint sets it too. */
  checkpointPosition?: bigint;
  /** A signed checkpoint (already opened and its signature checked) the ledger must still contain. */
  checkpoint?: CheckpointFile & { positionValue: bigint };
  /** Read models to compare with a fresh replay; left out, projections are not checked. */
  readModels?: ReadModels;
  /**
   * Split the streams into `count` partitions checked by `run` (worker threads), while this thread
   * checks the positions. Only on stores that can read positions and partitions; otherwise ignored.
   */
  partitions?: { count: number; run: PartitionRunner };
  /**
   * False: every hash is computed here from the stored payload and metadata text, trusting nothing
   * the database computes. Default true: the store assembles the hashed text (and PostgreSQL digests
   * it with its built-in sha256); an event whose quick check fails is read whole and checked here.
   */
  storeHashing?: boolean;
  onProgress?: (progress: VerifyProgress) => void;
}

export interface VerifyReport {
  ok: boolean;
  store: EventStore['kind'];
  positions: PositionScheme['kind'];
  events: number;
  streams: number;
  lastPosition: string | null;
  /** How many partitions checked the streams (1: all in one pass). */
  partitions: number;
  checkpoint?: { position: string; events: number; streams: number; keyId: string; ok: boolean };
  tables?: TableComparison[];
  /** Everything found, the most precisely located first. */
  discrepancies: Discrepancy[];
}

/**
 * Checks one partition of the streams (or all of them), reading `$all` in position order up to the
 * given head: every chain, every stored hash. Runs in a worker thread or in this one.
 */
export async function auditPartition(
  store: EventStore,
  job: PartitionJob,
  onProgress?: (events: number, position: bigint) => void,
  onBatch?: (batch: readonly StoredEvent[]) => void,
): Promise<AuditResult> {
  const audit = new StreamAudit({
    checkpointPosition: job.checkpointPosition === undefined ? undefined : BigInt(job.checkpointPosition),
  });
  const until = BigInt(job.untilPosition);
  const partition = job.count > 1 ? { index: job.index, count: job.count } : undefined;
  const read = (from: bigint) => store.readAllStored({ fromPosition: from, maxCount: job.batchSize, partition, hashInput: job.storeHashing });
  let next = read(0n);
  for (;;) {
    let batch = await next;
    const more = batch.length === job.batchSize && batch[batch.length - 1]!.position < until;
    if (more) next = read(batch[batch.length - 1]!.position + 1n);
    if (batch.length > 0 && batch[batch.length - 1]!.position > until) batch = batch.filter((e) => e.position <= until);
    audit.feed(batch);
    onBatch?.(batch);
    if (batch.length > 0) onProgress?.(audit.events, batch[batch.length - 1]!.position);
    if (!more) break;
  }
  for (const position of audit.suspects) {
    const [whole] = await store.readAllStored({ fromPosition: position, maxCount: 1 });
    if (whole && whole.position === position) audit.recheck(whole);
  }
  audit.finish();
  return audit.result();
}

/**
 * Reads the whole store in position order and checks every stream's hash chain and the global
 * positions; then, when asked, the store against a signed checkpoint and every projection against
 * a fresh replay. Returns the report, and the audit a checkpoint can be signed from.
 */
export async function verifyLedger(store: EventStore, options: VerifyOptions = {}): Promise<{ report: VerifyReport; audit: LedgerAuditResult }> {
  const batchSize = options.batchSize ?? 10_000;
  const highestAssigned = await store.highestAssignedPosition?.();
  const headPosition = await store.headPosition();
  const checkpointPosition = options.checkpoint?.positionValue ?? options.checkpointPosition;
  const positions = new PositionAudit(store.positionScheme);
  const parallel = options.partitions && options.partitions.count > 1 && store.readPositions ? options.partitions : undefined;
  const count = parallel?.count ?? 1;
  const done = new Array<{ events: number; position: bigint }>(count).fill({ events: 0, position: 0n });
  let firstPosition: bigint | null = null;
  const progress = (index: number) => (events: number, position: bigint) => {
    done[index] = { events, position };
    firstPosition ??= position;
    const slowest = done.reduce((low, d) => (d.position < low ? d.position : low), position);
    options.onProgress?.({ phase: 'events', events: done.reduce((n, d) => n + d.events, 0), position: slowest, headPosition, firstPosition });
  };
  const job = (index: number): PartitionJob => ({
    index,
    count,
    batchSize,
    untilPosition: headPosition.toString(),
    checkpointPosition: checkpointPosition?.toString(),
    storeHashing: options.storeHashing ?? true,
  });

  // One pass sees every position; partitions see only their streams' positions, so then the
  // positions are checked from a scan of their own.
  const scanPositions = async () => {
    if (!parallel || !store.readPositions) return;
    for (let from = 0n; from <= headPosition; ) {
      const batch = await store.readPositions({ fromPosition: from, maxCount: 50_000 });
      const inRange = batch.filter((p) => p <= headPosition);
      positions.feed(inRange);
      if (batch.length < 50_000 || inRange.length < batch.length) break;
      from = batch[batch.length - 1]! + 1n;
    }
  };
  const audits = parallel
    ? Promise.all(Array.from({ length: count }, (_, i) => parallel.run(job(i), progress(i))))
    : auditPartition(store, job(0), progress(0), (batch) => positions.feed(batch.map((e) => e.position))).then((result) => [result]);
  const [results] = await Promise.all([audits, scanPositions()]);
  positions.finish(highestAssigned);
  const audit = mergeResults(results, positions.discrepancies());
  const discrepancies = [...audit.discrepancies];

  const report: VerifyReport = {
    ok: false,
    store: store.kind,
    positions: store.positionScheme.kind,
    events: audit.events,
    streams: audit.streams,
    lastPosition: audit.lastPosition,
    partitions: count,
    discrepancies,
  };
  if (options.checkpoint) {
    const found = compareWithCheckpoint(options.checkpoint, audit);
    discrepancies.push(...found);
    const { statement } = options.checkpoint;
    report.checkpoint = { position: statement.position, events: statement.events, streams: statement.streams, keyId: statement.keyId, ok: found.length === 0 };
  }
  if (options.readModels) {
    const comparison = await options.readModels.compareWithReplay(store, {
      onProgress: (p) => options.onProgress?.({ phase: 'projections', ...p }),
    });
    report.tables = comparison.tables;
    discrepancies.push(...comparison.discrepancies);
  }
  report.ok = discrepancies.length === 0;
  // Whatever names a stream first, then a table, then the rest (positions), each group in the order
  // found: the most precise leads (a deleted event shows as a hole in the positions too).
  const rank = (d: Discrepancy) => (d.stream !== undefined ? 0 : d.table !== undefined ? 1 : 2);
  report.discrepancies = discrepancies.map((d, i) => ({ d, i })).sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i).map((x) => x.d);
  return { report, audit };
}
