import type { Decider } from '../../shared/decider.js';
import { RuleViolation, ValidationFailed } from '../../shared/domain-error.js';
import { addMs, isAtOrBefore, isBefore } from '../../shared/time.js';
import type { RateCardEvent, RateCardItem, RateCardPublished } from './rate-card.events.js';

export type RateCardVersion = RateCardPublished['data'];

export interface RateCardState {
  versions: RateCardVersion[];
}

export type RateCardCommand = {
  type: 'PublishRateCard';
  data: Omit<RateCardVersion, 'version'>;
  now: string;
};

/** How far in the past an effectiveFrom may lie (clock skew between the publisher and us). */
export const RETROACTIVE_TOLERANCE_MS = 60_000;

export const rateCardDecider: Decider<RateCardState, RateCardCommand, RateCardEvent> = {
  initialState: { versions: [] },

  decide(command, state) {
    const { data, now } = command;
    const codes = new Set<string>();
    for (const item of data.items) {
      if (codes.has(item.code)) {
        throw new ValidationFailed(`item code ${item.code} appears twice`, [{ field: 'items', message: `duplicate code ${item.code}` }]);
      }
      codes.add(item.code);
    }
    // Prices shown in advance (所见即所得): a card may not take effect in the past, or charges
    // already made would appear to rest on a price nobody could see at the time.
    if (isBefore(data.effectiveFrom, addMs(now, -RETROACTIVE_TOLERANCE_MS))) {
      throw new RuleViolation('RATE_CARD_RETROACTIVE', `effectiveFrom ${data.effectiveFrom} lies in the past; a rate card takes effect now or later`);
    }
    const latest = state.versions[state.versions.length - 1];
    if (latest && !isBefore(latest.effectiveFrom, data.effectiveFrom)) {
      throw new RuleViolation(
        'RATE_CARD_VERSION_ORDER',
        `version ${latest.version} takes effect at ${latest.effectiveFrom}; a new version must take effect after it`,
      );
    }
    return [{ type: 'RateCardPublished', data: { ...data, version: (latest?.version ?? 0) + 1 } }];
  },

  evolve(state, event) {
    return { versions: [...state.versions, event.data] };
  },
};

/** The version in force at `at`: the latest whose effectiveFrom is at or before it. */
export function versionInForce(state: RateCardState, at: string): RateCardVersion | null {
  for (let i = state.versions.length - 1; i >= 0; i--) {
    const v = state.versions[i]!;
    if (isAtOrBefore(v.effectiveFrom, at)) return v;
  }
  return null;
}

export function findItem(card: RateCardVersion, code: string): RateCardItem | undefined {
  return card.items.find((item) => item.code === code);
}
