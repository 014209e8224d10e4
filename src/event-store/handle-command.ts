import type { Decider, DomainEvent } from '../shared/decider.js';
import { DomainError } from '../shared/domain-error.js';
import type { EventMetadata, NewEvent, RecordedEvent } from './envelope.js';
import { type EventStore, WrongExpectedRevision } from './event-store.port.js';

export interface CommandResult<State> {
  stream: string;
  /** The stream's revision after the command (-1: the stream still does not exist). */
  revision: number;
  /** Global position of the command's last event, or of the stream's last event for a no-op. */
  position: bigint;
  /** The events the command recorded (the original ones for a repeated command). */
  events: RecordedEvent[];
  state: State;
  /** The command id had already been recorded: the original outcome is returned, nothing written. */
  alreadyAppended: boolean;
}

export interface HandleOptions {
  /** Attempts on a concurrency conflict before giving up (default 5). */
  maxAttempts?: number;
}

/** The command failed every attempt against concurrent writers. */
export class ConcurrencyConflict extends DomainError {
  constructor(stream: string, attempts: number) {
    super('CONCURRENCY_CONFLICT', `${stream} kept changing under this command; gave up after ${attempts} attempts`, 'conflict');
  }
}

/** Turns recorded events back into the decider's events. */
export function toDomainEvent<E extends DomainEvent>(event: RecordedEvent): E {
  return { type: event.type, data: event.data, schemaVersion: event.schemaVersion } as E;
}

/**
 * The one command path: read the stream, fold `evolve`, `decide`, append with the revision that
 * was read. A conflict means another writer moved the stream: read again and decide again, a
 * bounded number of times. A command whose id is already in the stream returns its original
 * outcome without deciding again, so a retry never records twice (or fails on a rule the first
 * attempt already changed, such as "already rated").
 */
/** What the command path needs of a store. */
export type CommandStore = Pick<EventStore, 'readStream' | 'append'>;

export async function handleCommand<State, Command, Event extends DomainEvent>(
  store: CommandStore,
  stream: string,
  decider: Decider<State, Command, Event>,
  /**
   * The command, or a function that builds it from the current state: how a handler loads the
   * cross-aggregate facts a rule needs (the rate card for the order's brand and city, the
   * engineer's credentials) for exactly the state it decides on, again on every retry.
   */
  command: Command | ((state: State) => Command | Promise<Command>),
  metadata: EventMetadata,
  options: HandleOptions = {},
): Promise<CommandResult<State>> {
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt++) {
    const recorded = await store.readStream(stream);
    let state = decider.initialState;
    const previous: RecordedEvent[] = [];
    for (const event of recorded) {
      state = decider.evolve(state, toDomainEvent<Event>(event));
      if (event.metadata.commandId === metadata.commandId) previous.push(event);
    }
    const last = recorded[recorded.length - 1];
    if (previous.length > 0) {
      const end = previous[previous.length - 1]!;
      return { stream, revision: end.revision, position: end.position, events: previous, state, alreadyAppended: true };
    }
    const concrete = typeof command === 'function' ? await (command as (state: State) => Command | Promise<Command>)(state) : command;
    const decided = decider.decide(concrete, state);
    if (decided.length === 0) {
      return { stream, revision: last?.revision ?? -1, position: last?.position ?? 0n, events: [], state, alreadyAppended: false };
    }
    const newEvents: NewEvent[] = decided.map((e) => ({
      type: e.type,
      schemaVersion: e.schemaVersion ?? 1,
      data: e.data,
      metadata,
    }));
    try {
      const result = await store.append(stream, newEvents, last ? last.revision : 'no_stream');
      for (const e of decided) state = decider.evolve(state, e);
      return {
        stream,
        revision: result.revision,
        position: result.position,
        events: result.events,
        state,
        alreadyAppended: result.alreadyAppended,
      };
    } catch (error) {
      if (!(error instanceof WrongExpectedRevision)) throw error;
      if (attempt >= maxAttempts) throw new ConcurrencyConflict(stream, attempt);
    }
  }
}
