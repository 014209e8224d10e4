/**
 * A decider: the pure heart of an aggregate. `decide` turns a command and the current state
 * into new events or throws a DomainError; `evolve` folds one event into state and never throws.
 */
export interface DomainEvent<T extends string = string, D = unknown> {
  type: T;
  data: D;
  /** Version of the payload schema; defaults to 1 when a decider emits the event. */
  schemaVersion?: number;
}

export interface Decider<State, Command, Event extends DomainEvent> {
  readonly initialState: State;
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
}

/** Folds events into state with a decider's `evolve`. */
export function fold<State, Event extends DomainEvent>(
  decider: Pick<Decider<State, never, Event>, 'initialState' | 'evolve'>,
  events: Iterable<Event>,
): State {
  let state = decider.initialState;
  for (const event of events) state = decider.evolve(state, event);
  return state;
}

/** Compile-time exhaustiveness for `switch` over a discriminated union. */
export function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}

/** Omit over each member of a union (a command union minus the facts a handler adds). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
