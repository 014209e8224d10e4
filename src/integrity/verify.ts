import type { EventStore, PositionScheme } from '../event-store/event-store.port.js';
import type { ReadModels, TableComparison } from '../read-models/read-models.js';
import { type CheckpointFile, compareWithCheckpoint } from './checkpoint.js';
import type { HashChecker } from './hash-workers.js';
import { type Discrepancy, LedgerAudit } from './ledger-audit.js';
import { keepsCanonicalText } from './stored-hash.js';

export interface VerifyProgress {
  phase: 'events' | 'projections';
  events: number;
  position: bigint;
  /** The store's head when the phase started: how far it has to go. */
  headPosition: bigint;
  firstPosition: bigint | null;
}

export interface VerifyOptions {
  batchSize?: number;
  /** Collect every stream's head at this position (for signing a checkpoint); a given checkpoint sets it too. */
  checkpointPosition?: bigint;
  /** A signed checkpoint (already opened and its signature checked) the ledger must still contain. */
  checkpoint?: CheckpointFile & { positionValue: bigint };
  /** Read models to compare with a fresh replay; left out, projections are not checked. */
  readModels?: ReadModels;
  /** Recomputes hashes elsewhere (worker threads) while this thread checks links and positions. */
  hashChecker?: HashChecker;
  onProgress?: (progress: VerifyProgress) => void;
}

export interface VerifyReport {
  ok: boolean;
  store: EventStore['kind'];
  positions: PositionScheme['kind'];
  events: number;
  streams: number;
  lastPosition: string | null;
  checkpoint?: { position: string; events: number; streams: number; keyId: string; ok: boolean };
  tables?: TableComparison[];
  /** Everything found, the most precisely located first. */
  discrepancies: Discrepancy[];
}

/**
 * Reads the whole store in position order and checks every stream's hash chain and the global
 * positions; then, when asked, the store against a signed checkpoint and every projection
 * against a fresh replay. Reading the next batch overlaps checking the current one.
 */
export async function verifyLedger(store: EventStore, options: VerifyOptions = {}): Promise<{ report: VerifyReport; audit: LedgerAudit }> {
  const batchSize = options.batchSize ?? 10_000;
  const audit = new LedgerAudit(store.positionScheme, {
    checkpointPosition: options.checkpoint?.positionValue ?? options.checkpointPosition,
    hashes: options.hashChecker ? 'external' : 'inline',
    canonicalText: keepsCanonicalText(store.kind),
  });
  const highestAssigned = await store.highestAssignedPosition?.();
  const headPosition = await store.headPosition();
  const checker = options.hashChecker;
  // With a checker this thread reads envelopes only; the checker reads the same ranges whole.
  const read = (from: bigint) => store.readAllStored({ fromPosition: from, maxCount: batchSize, payload: !checker });
  const pending: Promise<void>[] = [];
  let failure: unknown = null;
  let firstPosition: bigint | null = null;
  let next = read(0n);
  for (;;) {
    const batch = await next;
    if (batch.length === 0) break;
    const first = batch[0]!.position;
    const last = batch[batch.length - 1]!.position;
    const more = batch.length === batchSize && last < headPosition;
    if (more) next = read(last + 1n);
    firstPosition ??= first;
    if (checker) {
      pending.push(
        checker.check(first, batch.length).then((result) => {
          if (result.checked !== batch.length || result.lastPosition !== last.toString()) {
            throw new Error(`the store changed while it was being verified (positions ${first}..${last}); verify again`);
          }
          for (const m of result.mismatches) audit.hashMismatch(m);
        }).catch((error: unknown) => {
          failure ??= error;
        }),
      );
      while (checker.busy && pending.length > 0) await pending.shift();
    }
    audit.feed(batch);
    options.onProgress?.({ phase: 'events', events: audit.events, position: last, headPosition, firstPosition });
    if (!more) break;
  }
  await Promise.all(pending);
  if (failure) throw failure;
  audit.finish(highestAssigned);
  const discrepancies = audit.discrepancies();

  const report: VerifyReport = {
    ok: false,
    store: store.kind,
    positions: store.positionScheme.kind,
    events: audit.events,
    streams: audit.streams.size,
    lastPosition: audit.lastPosition?.toString() ?? null,
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
  return { report, audit };
}
