/**
 * The contract of a projection: a pure, deterministic function of the events it handles. No
 * NestJS, no I/O, no clock; a time the projection needs (an SLA deadline, a score window) comes
 * from the events themselves or is passed in explicitly. Same events in, same rows out.
 */
export interface ProjectedEvent<D = unknown> {
  type: string;
  schemaVersion: number;
  stream: string;
  revision: number;
  /** Global position as a decimal string (stable across stores and JSON). */
  position: string;
  recordedAt: string;
  eventId: string;
  actor: { id: string; role: string };
  data: D;
}
