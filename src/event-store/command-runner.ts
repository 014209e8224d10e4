import { Inject, Injectable } from '@nestjs/common';
import type { CommandContext } from '../http/command-context.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { Decider, DomainEvent } from '../shared/decider.js';
import { DomainError } from '../shared/domain-error.js';
import { EVENT_STORE, type EventStore } from './event-store.port.js';
import { type CommandResult, type CommandStore, handleCommand, toDomainEvent } from './handle-command.js';
import type { RecordedEvent } from './envelope.js';

/**
 * The one way the application runs a command: `handleCommand` over the configured store, with the
 * command's outcome counted and its append timed.
 */
@Injectable()
export class CommandRunner {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly metrics: MetricsService,
  ) {}

  async run<S, C, E extends DomainEvent>(
    type: string,
    stream: string,
    decider: Decider<S, C, E>,
    command: C | ((state: S) => C | Promise<C>),
    context: CommandContext,
  ): Promise<CommandResult<S>> {
    const timedStore: CommandStore = {
      readStream: (stream, options) => this.store.readStream(stream, options),
      append: async (...args) => {
        const end = this.metrics.appendSeconds.startTimer();
        try {
          return await this.store.append(...args);
        } finally {
          end();
        }
      },
    };
    try {
      const result = await handleCommand(timedStore, stream, decider, command, context.metadata);
      this.metrics.commands.inc({ type, outcome: result.alreadyAppended ? 'repeated' : 'recorded' });
      return result;
    } catch (error) {
      this.metrics.commands.inc({ type, outcome: error instanceof DomainError ? 'refused' : 'failed' });
      throw error;
    }
  }

  /** The state of a stream folded from its events (optionally only those recorded up to `until`). */
  async load<S, E extends DomainEvent>(
    stream: string,
    decider: Pick<Decider<S, never, E>, 'initialState' | 'evolve'>,
    until?: string,
  ): Promise<{ state: S; events: RecordedEvent[] }> {
    const events = await this.store.readStream(stream, until ? { until } : {});
    let state = decider.initialState;
    for (const event of events) state = decider.evolve(state, toDomainEvent<E>(event));
    return { state, events };
  }
}
