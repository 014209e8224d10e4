import type { PositionScheme, StoredEvent } from '../event-store/event-store.port.js';
import { hash } from 'node:crypto';
import { GENESIS_HASH } from '../event-store/hash-chain.js';
import { storedHashHolds } from './stored-hash.js';

export type DiscrepancyKind =
  | 'hash_mismatch'
  | 'prev_hash_mismatch'
  | 'missing_revision'
  | 'out_of_order'
  | 'position_gap'
  | 'position_out_of_range'
  | 'newest_events_removed'
  | 'checkpoint_head_missing'
  | 'checkpoint_head_behind'
  | 'checkpoint_head_differs'
  | 'not_in_checkpoint'
  | 'checkpoint_event_count'
  | 'projection_stale'
  | 'projection_row_differs';

/** One thing verification found wrong, located as exactly as the evidence allows. */
export interface Discrepancy {
  kind: DiscrepancyKind;
  stream?: string;
  revision?: number;
  /** Global position (decimal string) of the event or gap concerned. */
  position?: string;
  table?: string;
  key?: Record<string, unknown>;
  message: string;
}

/** A stream's head: its last revision and that event's hash. */
export interface StreamHead {
  revision: number;
  hash: string;
}

interface StreamState {
  /** Last revision verified in order, and its hash and position. */
  revision: number;
  hash: string;
  position: bigint;
  /** Set once the stream is found broken: one discrepancy per stream, no cascade. */
  broken: boolean;
  /** A revision that was skipped: missing, unless it turns up later (then the stream was reordered). */
  gap?: { expected: number; seen: number; position: bigint };
  /** The stream's head among events at or before the checkpoint position. */
  atCheckpoint?: StreamHead;
}

/** What a scan found, in a form that crosses threads: discrepancies carry their position as text. */
export interface AuditResult {
  events: number;
  streams: number;
  eventsAtCheckpoint: number;
  lastPosition: string | null;
  discrepancies: Array<Discrepancy & { at: string }>;
  /** [stream, revision, hash] of every stream's head at the checkpoint position, when one was given. */
  heads: Array<[string, number, string]>;
}

/** What a checkpoint is compared with or signed from. */
export interface CheckpointView {
  eventsAtCheckpoint: number;
  headsAtCheckpoint(): Map<string, StreamHead>;
}

/**
 * Checks events fed in position order, event by event: every stream's hash chain (each event's
 * hash recomputed from the bytes stored; each event linked to the one before; revisions in order,
 * without holes). It may see all of `$all` or only the streams of one partition (a worker's
 * share): a stream is always wholly in one partition. Memory is one small record per stream. When
 * a checkpoint position is given it also collects every stream's head at that position.
 */
export class StreamAudit {
  readonly streams = new Map<string, StreamState>();
  events = 0;
  eventsAtCheckpoint = 0;
  lastPosition: bigint | null = null;
  private readonly found: Array<Discrepancy & { at: bigint }> = [];
  private readonly checkpointPosition?: bigint;

  constructor(options: { checkpointPosition?: bigint } = {}) {
    this.checkpointPosition = options.checkpointPosition;
  }

  feed(batch: readonly StoredEvent[]): void {
    for (const event of batch) this.check(event);
  }

  private check(event: StoredEvent): void {
    this.events++;
    this.lastPosition = event.position;
    let state = this.streams.get(event.stream);
    if (!state) {
      state = { revision: -1, hash: GENESIS_HASH, position: -1n, broken: false };
      this.streams.set(event.stream, state);
    }
    if (this.checkpointPosition !== undefined && event.position <= this.checkpointPosition) {
      this.eventsAtCheckpoint++;
      if (!state.atCheckpoint || event.revision > state.atCheckpoint.revision) state.atCheckpoint = { revision: event.revision, hash: event.hash };
    }
    if (state.broken) {
      if (state.gap && event.revision < state.gap.seen) {
        this.report(
          {
            kind: 'out_of_order',
            stream: event.stream,
            revision: state.gap.seen,
            position: state.gap.position.toString(),
            message: `revision ${state.gap.seen} (position ${state.gap.position}) is stored before revision ${event.revision} (position ${event.position}): events were reordered or inserted out of place`,
          },
          state.gap.position,
        );
        state.gap = undefined;
      }
      return;
    }
    const expected = state.revision + 1;
    if (event.revision > expected) {
      state.broken = true;
      state.gap = { expected, seen: event.revision, position: event.position };
      return;
    }
    if (event.revision < expected) {
      state.broken = true;
      this.report(
        {
          kind: 'out_of_order',
          stream: event.stream,
          revision: event.revision,
          position: event.position.toString(),
          message: `revision ${event.revision} (position ${event.position}) comes after revision ${state.revision} (position ${state.position}): a revision appears twice or out of place`,
        },
        event.position,
      );
      return;
    }
    if (event.prevHash !== state.hash) {
      state.broken = true;
      this.report(
        {
          kind: 'prev_hash_mismatch',
          stream: event.stream,
          revision: event.revision,
          position: event.position.toString(),
          message: `revision ${event.revision} does not link to revision ${state.revision}: the event before it was replaced or removed`,
        },
        event.position,
      );
      return;
    }
    const quick = event.hashHolds ?? (event.hashInput ? hash('sha256', event.hashInput, 'hex') === event.hash : undefined);
    if (quick === false) {
      // The store's quick check (its assembly of the text, or its own digest of it) did not match:
      // the event is read whole and checked the long way before anything is reported (see recheck).
      this.suspects.push(event.position);
    } else if (quick === undefined && !storedHashHolds(event)) {
      state.broken = true;
      this.hashMismatch(event);
      return;
    }
    state.revision = event.revision;
    state.hash = event.hash;
    state.position = event.position;
  }

  /** Events whose quick hash check failed, to be read whole and checked again (recheck). */
  readonly suspects: bigint[] = [];

  /** The verdict on a suspect, read whole: its stored content does not match its hash, or it does after all. */
  recheck(event: StoredEvent): void {
    if (storedHashHolds(event)) return;
    const state = this.streams.get(event.stream);
    if (state) state.broken = true;
    this.hashMismatch(event);
  }

  private hashMismatch(event: StoredEvent): void {
    this.report(
      {
        kind: 'hash_mismatch',
        stream: event.stream,
        revision: event.revision,
        position: event.position.toString(),
        message: `revision ${event.revision} (${event.type}) was altered: its stored content no longer matches its hash`,
      },
      event.position,
    );
  }

  /** Ends the scan: revisions still missing are reported. */
  finish(): void {
    for (const [stream, state] of this.streams) {
      if (!state.gap) continue;
      this.report(
        {
          kind: 'missing_revision',
          stream,
          revision: state.gap.expected,
          position: state.gap.position.toString(),
          message: `revision ${state.gap.expected} is missing: revision ${state.gap.seen} (position ${state.gap.position}) follows revision ${state.gap.expected - 1}`,
        },
        state.gap.position,
      );
    }
  }

  private report(discrepancy: Discrepancy, at: bigint): void {
    this.found.push({ ...discrepancy, at });
  }

  result(): AuditResult {
    const heads: Array<[string, number, string]> = [];
    for (const [stream, state] of this.streams) if (state.atCheckpoint) heads.push([stream, state.atCheckpoint.revision, state.atCheckpoint.hash]);
    return {
      events: this.events,
      streams: this.streams.size,
      eventsAtCheckpoint: this.eventsAtCheckpoint,
      lastPosition: this.lastPosition?.toString() ?? null,
      discrepancies: this.found.map((d) => ({ ...d, at: d.at.toString() })),
      heads,
    };
  }
}

/**
 * The global positions, fed in order, against the store's scheme (see PositionScheme): a hole a
 * dense store cannot have, an append whose indexes skip, positions cut off the end.
 */
export class PositionAudit {
  private readonly found: Array<Discrepancy & { at: bigint }> = [];
  private readonly check: PositionCheck;

  constructor(scheme: PositionScheme) {
    this.check = positionCheck(scheme, (d, at) => this.found.push({ ...d, at }));
  }

  feed(positions: readonly bigint[]): void {
    for (const position of positions) this.check.next(position);
  }

  finish(highestAssigned?: bigint): void {
    this.check.finish(highestAssigned);
  }

  discrepancies(): Array<Discrepancy & { at: string }> {
    return this.found.map((d) => ({ ...d, at: d.at.toString() }));
  }
}

/** The whole ledger's audit: its partitions' results (and the positions') as one. */
export interface LedgerAuditResult extends Omit<AuditResult, 'heads' | 'discrepancies'>, CheckpointView {
  discrepancies: Discrepancy[];
}

export function mergeResults(results: AuditResult[], positions: Array<Discrepancy & { at: string }> = []): LedgerAuditResult {
  const last = results.map((r) => r.lastPosition).filter((p): p is string => p !== null).map(BigInt);
  return {
    events: results.reduce((n, r) => n + r.events, 0),
    streams: results.reduce((n, r) => n + r.streams, 0),
    eventsAtCheckpoint: results.reduce((n, r) => n + r.eventsAtCheckpoint, 0),
    lastPosition: last.length === 0 ? null : last.reduce((a, b) => (b > a ? b : a)).toString(),
    discrepancies: inPositionOrder([...results.flatMap((r) => r.discrepancies), ...positions]),
    headsAtCheckpoint: () => new Map(results.flatMap((r) => r.heads).map(([stream, revision, hash]) => [stream, { revision, hash }])),
  };
}

function inPositionOrder(found: Array<Discrepancy & { at: string }>): Discrepancy[] {
  return found
    .map((d) => ({ d, at: BigInt(d.at) }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0))
    .map(({ d: { at: _, ...d } }) => d);
}

interface PositionCheck {
  next(position: bigint): void;
  finish(highestAssigned?: bigint): void;
}

type Report = (discrepancy: Discrepancy, at: bigint) => void;

function positionCheck(scheme: PositionScheme, report: Report): PositionCheck {
  switch (scheme.kind) {
    case 'dense':
      return denseCheck(report);
    case 'transaction':
      return transactionCheck(scheme.shift, report);
    case 'opaque':
      return { next: () => undefined, finish: () => undefined };
  }
}

/** Every position from 1 to the highest assigned holds an event: any hole is an event removed. */
function denseCheck(report: Report): PositionCheck {
  let last = 0n;
  return {
    next(position) {
      if (position < 1n) {
        report(
          { kind: 'position_out_of_range', position: position.toString(), message: `an event sits at position ${position}, which the store never assigns (positions start at 1)` },
          position,
        );
        return;
      }
      if (position > last + 1n) {
        report(
          { kind: 'position_gap', position: (last + 1n).toString(), message: `${span(last + 1n, position - 1n)} ${last + 1n === position - 1n ? 'holds' : 'hold'} no event: events were removed` },
          last + 1n,
        );
      }
      last = position;
    },
    finish(highestAssigned) {
      if (highestAssigned === undefined) return;
      if (highestAssigned > last) {
        report(
          {
            kind: 'newest_events_removed',
            position: (last + 1n).toString(),
            message: `${span(last + 1n, highestAssigned)} ${last + 1n === highestAssigned ? 'was' : 'were'} assigned but ${last + 1n === highestAssigned ? 'holds' : 'hold'} no event: the newest events were removed`,
          },
          last + 1n,
        );
      } else if (highestAssigned < last) {
        report(
          { kind: 'position_out_of_range', position: last.toString(), message: `events reach position ${last} but the store assigned only up to ${highestAssigned}: positions were written by hand` },
          last,
        );
      }
    },
  };
}

/** (transaction << shift) + index: within one transaction the indexes run 0, 1, 2, ... */
function transactionCheck(shift: bigint, report: Report): PositionCheck {
  const mask = (1n << shift) - 1n;
  let transaction = -1n;
  let index = -1n;
  return {
    next(position) {
      const tx = position >> shift;
      const at = position & mask;
      const expected = tx === transaction ? index + 1n : 0n;
      if (at !== expected) {
        const first = (tx << shift) + expected;
        report(
          {
            kind: 'position_gap',
            position: first.toString(),
            message: `${span(first, position - 1n)} (transaction ${tx}, indexes ${expected}..${at - 1n}) ${first === position - 1n ? 'holds' : 'hold'} no event: events were removed from an append`,
          },
          first,
        );
      }
      transaction = tx;
      index = at;
    },
    finish: () => undefined,
  };
}

function span(from: bigint, to: bigint): string {
  return from === to ? `position ${from}` : `positions ${from}..${to}`;
}
