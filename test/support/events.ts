import type { Actor, EventMetadata, NewEvent } from '../../src/event-store/envelope.js';

export const TEST_ACTOR: Actor = { id: 'agent-1', role: 'agent' };

export function meta(commandId: string, extra: Partial<EventMetadata> = {}): EventMetadata {
  return { actor: TEST_ACTOR, commandId, correlationId: commandId, causationId: commandId, ...extra };
}

/** A test event: `Noted` with a payload. */
export function noted(commandId: string, data: Record<string, unknown> = {}, type = 'Noted'): NewEvent {
  return { type, schemaVersion: 1, data, metadata: meta(commandId) };
}

export async function collect<T>(iterable: AsyncIterable<T[]>, count: number, onBatch?: (batch: T[]) => void): Promise<T[]> {
  const out: T[] = [];
  for await (const batch of iterable) {
    onBatch?.(batch);
    out.push(...batch);
    if (out.length >= count) break;
  }
  return out;
}
