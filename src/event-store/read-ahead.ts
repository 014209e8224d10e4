import type { ProjectedEvent } from '../../projections/projection.js';
import type { RecordedEvent } from './envelope.js';
import type { AllReader, EventStore } from './event-store.port.js';

/** An event as projections read it: the envelope, the payload and, of the metadata, the actor. */
export function toProjected(event: RecordedEvent): ProjectedEvent {
  return {
    type: event.type,
    schemaVersion: event.schemaVersion,
    stream: event.stream,
    revision: event.revision,
    position: event.position.toString(),
    recordedAt: event.recordedAt,
    eventId: event.eventId,
    actor: event.metadata.actor,
    data: event.data,
  };
}

/**
 * `$all` from a position in batches as projections read them, fetched ahead: as the store does it
 * where it can (`readAhead`), else by `readAll` with one read in flight while the caller applies
 * the batch before. `plain`: by `readAll` in any case.
 */
export function readAllAhead(store: EventStore, from: bigint, batchSize: number, plain = false): AllReader {
  if (store.readAhead && !plain) return store.readAhead(from, batchSize);
  return readingAhead(from, batchSize, async (fromPosition, maxCount) => (await store.readAll({ fromPosition, maxCount })).map(toProjected));
}

/**
 * An AllReader over a batch read that may run while the caller works: the next batch is asked for
 * as soon as one is handed out (on PostgreSQL the server reads it meanwhile). A read left behind
 * when the caller stops (or fails) is dropped, its error with it.
 */
export function readingAhead(fromPosition: bigint, batchSize: number, read: (from: bigint, maxCount: number) => Promise<ProjectedEvent[]>): AllReader {
  const start = (from: bigint) => {
    const pending = read(from, batchSize);
    pending.catch(() => undefined);
    return pending;
  };
  let reading: Promise<ProjectedEvent[]> | null = start(fromPosition);
  return {
    async next() {
      if (reading === null) return [];
      const batch = await reading;
      reading = batch.length === batchSize ? start(BigInt(batch[batch.length - 1]!.position) + 1n) : null;
      return batch;
    },
    async close() {
      reading = null;
    },
  };
}
