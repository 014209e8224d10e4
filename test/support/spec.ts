import type { Decider, DomainEvent } from '../../src/shared/decider.js';
import { DomainError } from '../../src/shared/domain-error.js';

/**
 * Given / when / then for deciders, without a framework:
 *
 *   spec(orderDecider).given([created, quoted]).when(accept).then([accepted]);
 *   spec(orderDecider).given([created]).when(charge).thenFails('CHARGE_EXCEEDS_ACCEPTED_QUOTE');
 */
export function spec<S, C, E extends DomainEvent>(decider: Decider<S, C, E>) {
  return {
    given(events: E[]) {
      const state = events.reduce((s, e) => decider.evolve(s, e), decider.initialState);
      return {
        state,
        when(command: C) {
          const run = () => decider.decide(command, state);
          return {
            then(expected: E[] | ((events: E[]) => void)) {
              const events = run();
              if (typeof expected === 'function') expected(events);
              else expect(events).toEqual(expected);
              return events;
            },
            thenFails(code: string, message?: RegExp) {
              let caught: unknown;
              try {
                run();
              } catch (error) {
                caught = error;
              }
              expect(caught).toBeInstanceOf(DomainError);
              expect((caught as DomainError).code).toBe(code);
              if (message) expect((caught as DomainError).message).toMatch(message);
              return caught as DomainError;
            },
          };
        },
      };
    },
  };
}
