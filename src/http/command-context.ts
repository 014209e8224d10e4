import { Inject, Injectable } from '@nestjs/common';
import type { Actor, EventMetadata } from '../event-store/envelope.js';
import { type Clock, CLOCK } from '../shared/clock.js';
import { newId } from '../shared/ids.js';

/** Who acts, when, and under which command id: what every command carries into its events. */
export interface CommandContext {
  actor: Actor;
  now: string;
  metadata: EventMetadata;
}

@Injectable()
export class CommandContextFactory {
  constructor(@Inject(CLOCK) private readonly clock: Clock) {}

  /**
   * `commandId` is the request's idempotency-derived id when it has one; a fresh id otherwise.
   * `reason` is the human reason a command gives (void, cancel, suspend ...), kept in metadata too.
   */
  create(actor: Actor, commandId: string = newId(), reason?: string): CommandContext {
    const metadata: EventMetadata = { actor, commandId, correlationId: commandId, causationId: commandId };
    if (reason) metadata.reason = reason;
    return { actor, now: this.clock.now(), metadata };
  }
}
