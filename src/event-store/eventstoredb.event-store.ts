import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  excludeSystemEvents,
  FORWARDS,
  jsonEvent,
  NO_STREAM,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type ResolvedEvent,
} from '@eventstore/db-client';
import type { Clock } from '../shared/clock.js';
import { normalizeInstant } from '../shared/time.js';
import { canonicalJson } from './canonical.js';
import { buildRecords, checkExpectedRevision, NO_STREAM_HEAD, replayResult, type StreamHead, validateAppend } from './append-core.js';
import type { EventMetadata, NewEvent, RecordedEvent } from './envelope.js';
import {
  type AllSubscription,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type ReadAllOptions,
  type ReadStoredOptions,
  type ReadStreamOptions,
  type StoredEvent,
  type SubscribeOptions,
  WrongExpectedRevision,
} from './event-store.port.js';
import { PollingSubscription } from './polling-subscription.js';

export interface EventStoreDbOptions {
  /** e.g. esdb://localhost:2113?tls=false */
  connectionString: string;
  clock: Clock;
  pollMs?: number;
}

/** How the envelope travels in EventStoreDB's event metadata. */
interface StoredMetadata extends EventMetadata {
  $envelope: { schemaVersion: number; recordedAt: string; prevHash: string; hash: string };
}

/**
 * EventStoreDB / KurrentDB through @eventstore/db-client. Stream revisions and the expected-
 * revision check are the server's; our event ids (derived from the command id) make the
 * server's own idempotency apply to retries. Global positions are commit positions: without
 * explicit transactions (which this adapter never uses) each event's commit and prepare
 * positions are equal, so a commit position names exactly one event of `$all`.
 */
export class EventStoreDbEventStore implements EventStore {
  readonly kind = 'eventstoredb' as const;
  readonly positionScheme = { kind: 'opaque' } as const;
  private readonly client: EventStoreDBClient;
  private readonly subscriptions = new Set<PollingSubscription>();
  private wakeSubscription: AllStreamSubscription | null = null;

  constructor(private readonly options: EventStoreDbOptions) {
    this.client = EventStoreDBClient.connectionString(options.connectionString);
  }

  async append(stream: string, events: NewEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    validateAppend(stream, events);
    const head = await this.head(stream);
    try {
      checkExpectedRevision(stream, head, expected);
    } catch (error) {
      return this.afterConflict(stream, events, error as WrongExpectedRevision);
    }
    const records = buildRecords(stream, events, head, this.options.clock.now());
    const expectedRevision: AppendExpectedRevision = head.revision < 0 ? NO_STREAM : BigInt(head.revision);
    try {
      const result = await this.client.appendToStream(
        stream,
        records.map((r) =>
          jsonEvent({
            id: r.eventId,
            type: r.type,
            data: r.data as never,
            metadata: {
              ...r.metadata,
              $envelope: { schemaVersion: r.schemaVersion, recordedAt: r.recordedAt, prevHash: r.prevHash, hash: r.hash },
            } satisfies StoredMetadata,
          }),
        ),
        { expectedRevision },
      );
      const lastPosition = result.position?.commit ?? 0n;
      // The server reports only the last event's position; read the written events back for theirs.
      const written = records.length === 1 ? null : await this.readStream(stream, { fromRevision: records[0]!.revision });
      records.forEach((r, i) => (r.position = written?.[i]?.position ?? lastPosition));
      const last = records[records.length - 1]!;
      return { alreadyAppended: false, revision: last.revision, position: last.position, events: records };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = error.actualVersion;
        return this.afterConflict(
          stream,
          events,
          new WrongExpectedRevision(stream, expected, typeof actual === 'bigint' ? Number(actual) : 'no_stream'),
        );
      }
      throw error;
    }
  }

  /** A conflict is a repeat of this command if its events are already in the stream. */
  private async afterConflict(stream: string, events: NewEvent[], conflict: WrongExpectedRevision): Promise<AppendResult> {
    const commandId = events[0]!.metadata.commandId;
    const original = (await this.readStream(stream)).filter((e) => e.metadata.commandId === commandId);
    if (original.length > 0) return replayResult(stream, events, original);
    throw conflict;
  }

  private async head(stream: string): Promise<StreamHead> {
    try {
      for await (const resolved of this.client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 })) {
        const event = toRecorded(resolved);
        if (event) return { revision: event.revision, hash: event.hash };
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return NO_STREAM_HEAD;
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const until = options.until ? Date.parse(normalizeInstant(options.until)) : Infinity;
    const result: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(stream, {
        direction: FORWARDS,
        fromRevision: BigInt(options.fromRevision ?? 0),
        ...(options.maxCount !== undefined ? { maxCount: options.maxCount } : {}),
      });
      for await (const resolved of read) {
        const event = toRecorded(resolved);
        if (!event) continue;
        if (Date.parse(event.recordedAt) > until) {
          await read.cancel();
          break;
        }
        result.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return result;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const from = options.fromPosition ?? 0n;
    const maxCount = options.maxCount ?? 1000;
    const result: RecordedEvent[] = [];
    let cursor = from;
    // System events are interleaved in $all; keep reading until the batch is full or $all ends.
    while (result.length < maxCount) {
      const requested = maxCount - result.length;
      let seen = 0;
      let last = -1n;
      for await (const resolved of this.client.readAll({
        fromPosition: { commit: cursor, prepare: cursor },
        maxCount: requested,
        direction: FORWARDS,
      })) {
        seen++;
        const commit = resolved.event?.position?.commit ?? resolved.commitPosition;
        if (commit !== undefined) last = commit;
        const event = toRecorded(resolved);
        if (event && event.position >= from) result.push(event);
      }
      if (seen < requested || last < cursor) break;
      cursor = last + 1n;
    }
    return result;
  }

  subscribeAll(options: SubscribeOptions = {}): AllSubscription {
    const subscription: PollingSubscription = new PollingSubscription(
      (fromPosition, maxCount) => this.readAll({ fromPosition, maxCount }),
      options.fromPosition ?? 0n,
      options.batchSize ?? 500,
      this.options.pollMs ?? 1000,
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    this.watch();
    return subscription;
  }

  /** A live server subscription used only as a wake-up: the polling reader does the delivery, in order. */
  private watch(): void {
    if (this.wakeSubscription) return;
    const live = this.client.subscribeToAll({ fromPosition: END, filter: excludeSystemEvents() });
    this.wakeSubscription = live;
    live.on('data', () => {
      for (const s of this.subscriptions) s.notify();
    });
    live.on('error', () => {
      if (this.wakeSubscription === live) this.wakeSubscription = null;
    });
  }

  /** The client hands payloads over parsed; their canonical texts are what was hashed. */
  async readAllStored(options: ReadStoredOptions = {}): Promise<StoredEvent[]> {
    return (await this.readAll(options)).map((e) => ({ ...e, data: canonicalJson(e.data), metadata: canonicalJson(e.metadata) }));
  }

  async headPosition(): Promise<bigint> {
    for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 50 })) {
      const event = toRecorded(resolved);
      if (event) return event.position;
    }
    return 0n;
  }

  async ping(): Promise<void> {
    for await (const _ of this.client.readAll({ maxCount: 1 })) break;
  }

  async close(): Promise<void> {
    for (const s of [...this.subscriptions]) await s.close();
    await this.wakeSubscription?.unsubscribe().catch(() => undefined);
    this.wakeSubscription = null;
    await this.client.dispose();
  }
}

function toRecorded(resolved: ResolvedEvent): RecordedEvent | null {
  const e = resolved.event;
  if (!e || !e.isJson || e.type.startsWith('$') || e.streamId.startsWith('$')) return null;
  const meta = e.metadata as StoredMetadata | undefined;
  if (!meta?.$envelope) return null;
  const { $envelope, ...metadata } = meta;
  return {
    eventId: e.id,
    type: e.type,
    schemaVersion: $envelope.schemaVersion,
    stream: e.streamId,
    revision: Number(e.revision),
    position: e.position?.commit ?? resolved.commitPosition ?? 0n,
    recordedAt: $envelope.recordedAt,
    data: e.data,
    metadata,
    prevHash: $envelope.prevHash,
    hash: $envelope.hash,
  };
}
