/**
 * The event envelope: what every stored event carries besides its payload. Positions are
 * bigint because EventStoreDB commit positions are unsigned 64-bit; they cross the HTTP
 * boundary as decimal strings.
 */
export const ROLES = ['customer', 'engineer', 'agent', 'supervisor', 'compliance', 'analyst', 'admin', 'system'] as const;
export type Role = (typeof ROLES)[number];

export interface Actor {
  id: string;
  role: Role;
}

export interface EventMetadata {
  actor: Actor;
  /** The command that produced the event; event ids derive from it. */
  commandId: string;
  /** The business flow the command belongs to (defaults to the command id). */
  correlationId: string;
  /** What caused the command: the triggering event id or the command id itself. */
  causationId: string;
  reason?: string;
}

/** An event as a writer hands it to `append`. */
export interface NewEvent<D = unknown> {
  type: string;
  schemaVersion: number;
  data: D;
  metadata: EventMetadata;
  /** Recorded time; adapters fill it from their clock when absent. */
  recordedAt?: string;
}

/** An event as the store hands it back. */
export interface RecordedEvent<D = unknown> {
  eventId: string;
  type: string;
  schemaVersion: number;
  stream: string;
  /** 0-based position within the stream. */
  revision: number;
  /** Global position in the store's total order (see the adapter for its encoding). */
  position: bigint;
  recordedAt: string;
  data: D;
  metadata: EventMetadata;
  /** Hash of the previous event of the same stream (GENESIS_HASH for revision 0). */
  prevHash: string;
  hash: string;
}

/** Orders events by global position (for Array.prototype.sort). */
export function byPosition(a: RecordedEvent, b: RecordedEvent): number {
  return a.position < b.position ? -1 : a.position > b.position ? 1 : 0;
}

/** The envelope as JSON: positions as strings. */
export function envelopeToJson(event: RecordedEvent): Record<string, unknown> {
  return {
    eventId: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    stream: event.stream,
    revision: event.revision,
    position: event.position.toString(),
    recordedAt: event.recordedAt,
    data: event.data,
    metadata: event.metadata,
    prevHash: event.prevHash,
    hash: event.hash,
  };
}
