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
      readStream: (stream, options) => (options ? this.store.readStream(stream, options) : this.wholeStream(stream)),
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

  /**
   * The current state of a stream that rules consult often and that changes rarely (rate cards,
   * engineers): folded once, then brought up to date by reading only the events after the
   * revision it was folded to — never stale, and cheap when nothing changed.
   */
  async current<S, E extends DomainEvent>(stream: string, decider: Pick<Decider<S, never, E>, 'initialState' | 'evolve'>): Promise<S> {
    const cached = this.folded.get(stream) as { revision: number; state: S } | undefined;
    const fresh = await this.store.readStream(stream, { fromRevision: (cached?.revision ?? -1) + 1 });
    if (cached && fresh.length === 0) return cached.state;
    let state = cached?.state ?? decider.initialState;
    for (const event of fresh) state = decider.evolve(state, toDomainEvent<E>(event));
    const revision = fresh.length > 0 ? fresh[fresh.length - 1]!.revision : -1;
    if (revision >= 0) {
      this.folded.delete(stream);
      this.folded.set(stream, { revision, state });
      if (this.folded.size > 10_000) this.folded.delete(this.folded.keys().next().value!);
    }
    return state;
  }

  private readonly folded = new Map<string, { revision: number; state: unknown }>();

  /**
   * A whole stream, from memory up to the last revision seen and from the store after it. Stored
   * events never change, so only the new ones are read and parsed: the usual command reads one
   * short query instead of its order's whole history.
   */
  private async wholeStream(stream: string): Promise<RecordedEvent[]> {
    const known = this.streams.get(stream) ?? [];
    const fresh = await this.store.readStream(stream, { fromRevision: known.length });
    const all = fresh.length === 0 ? known : known.concat(fresh);
    this.streams.delete(stream);
    if (all.length > 0) this.streams.set(stream, all);
    if (this.streams.size > 20_000) this.streams.delete(this.streams.keys().next().value!);
    return all;
  }

  private readonly streams = new Map<string, RecordedEvent[]>();
}
