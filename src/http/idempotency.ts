import { createHash } from 'node:crypto';
import type { Request } from 'express';
import type { Actor } from '../event-store/envelope.js';

export type RequestWithCommandId = Request & { actor?: Actor; commandId?: string };

/**
 * The command id of a request that carries an Idempotency-Key: derived from the actor, the route
 * and the key, so two clients that happen to pick the same key never collide, and a retry of
 * the same request maps to the same command (and so to the same event ids).
 */
export function commandIdFromKey(actor: Actor, method: string, path: string, key: string): string {
  return createHash('sha256').update(`${actor.id}\u0000${method}\u0000${path}\u0000${key}`).digest('hex').slice(0, 32);
}

export function commandIdOf(req: RequestWithCommandId): string | undefined {
  return req.commandId;
}
