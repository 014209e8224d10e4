import { Injectable } from '@nestjs/common';
import { CommandRunner } from '../../event-store/command-runner.js';
import type { Actor } from '../../event-store/envelope.js';
import { type CommandStore, handleCommand } from '../../event-store/handle-command.js';
import { CommandContextFactory } from '../../http/command-context.js';
import type { Clock } from '../../shared/clock.js';
import { readAuditDecider, type RecordRead } from '../domain/read-audit.decider.js';
import { type OrderRecordRead, readAuditStream } from '../domain/read-audit.events.js';

/** A read to record: the order, what was read, through which door, as of when and why. */
export type ReadRecord = OrderRecordRead['data'];

/**
 * Records reads of orders' records. A read is answered only after its record is appended: if
 * the append fails, the read fails too, so no read goes unrecorded. Appends go through the one
 * command path (handleCommand: expected revision, retries on a concurrent read of the same order).
 */
export abstract class ReadAuditLog {
  abstract record(actor: Actor, read: ReadRecord): Promise<void>;
}

const command = (read: ReadRecord): RecordRead => ({ type: 'RecordRead', data: read });

/** The service's read audit: through the CommandRunner, like every other command. */
@Injectable()
export class RecordedReads extends ReadAuditLog {
  constructor(
    private readonly runner: CommandRunner,
    private readonly contexts: CommandContextFactory,
  ) {
    super();
  }

  async record(actor: Actor, read: ReadRecord): Promise<void> {
    const context = this.contexts.create(actor, undefined, read.reason);
    await this.runner.run('RecordRead', readAuditStream(read.orderId), readAuditDecider, command(read), context);
  }
}

/** The read audit of a process without the Nest application (the CLI): straight on the store. */
export class StoreReadAudit extends ReadAuditLog {
  private readonly contexts: CommandContextFactory;

  constructor(
    private readonly store: CommandStore,
    clock: Clock,
  ) {
    super();
    this.contexts = new CommandContextFactory(clock);
  }

  async record(actor: Actor, read: ReadRecord): Promise<void> {
    const context = this.contexts.create(actor, undefined, read.reason);
    await handleCommand(this.store, readAuditStream(read.orderId), readAuditDecider, command(read), context.metadata);
  }
}
