import {
  rateCardDecider,
  type RateCardCommand,
  type RateCardState,
  type RateCardVersion,
  versionInForce,
} from '../../src/rate-cards/domain/rate-card.decider.js';
import { rateCardId, rateCardStream, type RateCardEvent, type RateCardItem } from '../../src/rate-cards/domain/rate-card.events.js';
import { fold } from '../../src/shared/decider.js';
import { spec } from '../support/spec.js';

const NOW = '2026-03-01T08:00:00.000Z';
const ID = 'midea.air_conditioner.ALL';

const ITEMS: RateCardItem[] = [
  { code: 'LAB-DIAG', name: '上门检测', kind: 'labor', unit: 'visit', unitPriceFen: 5_000 },
  { code: 'CAP-35UF', name: '启动电容 35μF', kind: 'part', unit: 'piece', unitPriceFen: 4_500 },
];
const DEARER: RateCardItem[] = [
  { code: 'LAB-DIAG', name: '上门检测', kind: 'labor', unit: 'visit', unitPriceFen: 6_000 },
  { code: 'CAP-35UF', name: '启动电容 35μF', kind: 'part', unit: 'piece', unitPriceFen: 4_800 },
];

const publish = (effectiveFrom: string, items: RateCardItem[] = ITEMS, now = NOW): RateCardCommand => ({
  type: 'PublishRateCard',
  data: { rateCardId: ID, brand: 'midea', category: 'air_conditioner', city: '*', effectiveFrom, items },
  now,
});
const published = (version: number, effectiveFrom: string, items: RateCardItem[] = ITEMS): RateCardEvent => ({
  type: 'RateCardPublished',
  data: { rateCardId: ID, version, brand: 'midea', category: 'air_conditioner', city: '*', effectiveFrom, items },
});

const card = spec(rateCardDecider);
const stateAfter = (events: RateCardEvent[]): RateCardState => fold(rateCardDecider, events);

const V1_FROM = '2026-03-01T08:00:00.000Z';
const V2_FROM = '2026-04-01T00:00:00.000Z';
const V3_FROM = '2026-07-01T00:00:00.000Z';

describe('a rate card', () => {
  it('is one card per brand, category and city, in one stream', () => {
    expect(rateCardId('midea', 'air_conditioner', '*')).toBe(ID);
    expect(rateCardId('gree', 'air_conditioner', 'shanghai')).toBe('gree.air_conditioner.shanghai');
    expect(rateCardStream(ID)).toBe('ratecard-midea.air_conditioner.ALL');
  });
});

describe('publishing a rate card', () => {
  it('publishes the first version as version 1', () => {
    card.given([]).when(publish(V1_FROM)).then([published(1, V1_FROM)]);
  });

  it('publishes the next version as version 2, then 3', () => {
    card.given([published(1, V1_FROM)]).when(publish(V2_FROM, DEARER)).then([published(2, V2_FROM, DEARER)]);
    card.given([published(1, V1_FROM), published(2, V2_FROM, DEARER)]).when(publish(V3_FROM)).then([published(3, V3_FROM)]);
  });

  it('keeps every version in state', () => {
    expect(stateAfter([published(1, V1_FROM), published(2, V2_FROM, DEARER)]).versions.map((v) => [v.version, v.effectiveFrom])).toEqual([
      [1, V1_FROM],
      [2, V2_FROM],
    ]);
  });

  it('accepts a card taking effect exactly one minute ago, to allow for clock skew', () => {
    card.given([]).when(publish('2026-03-01T07:59:00.000Z')).then([published(1, '2026-03-01T07:59:00.000Z')]);
  });

  it('refuses a card taking effect more than a minute ago', () => {
    const error = card.given([]).when(publish('2026-03-01T07:58:59.999Z')).thenFails('RATE_CARD_RETROACTIVE', /lies in the past/);
    expect(error.kind).toBe('rule');
    card.given([published(1, V1_FROM)]).when(publish('2026-02-01T00:00:00.000Z')).thenFails('RATE_CARD_RETROACTIVE');
  });

  it('refuses a new version that takes effect at the same time as the latest', () => {
    card.given([published(1, V2_FROM)]).when(publish(V2_FROM, DEARER)).thenFails('RATE_CARD_VERSION_ORDER', /version 1 takes effect at 2026-04-01/);
  });

  it('refuses a new version that takes effect before the latest', () => {
    card.given([published(1, V1_FROM), published(2, V3_FROM)]).when(publish(V2_FROM, DEARER)).thenFails('RATE_CARD_VERSION_ORDER', /version 2/);
  });

  it('refuses a card listing an item code twice', () => {
    const error = card
      .given([])
      .when(publish(V2_FROM, [...ITEMS, { code: 'CAP-35UF', name: '启动电容 35μF (新)', kind: 'part', unit: 'piece', unitPriceFen: 9_000 }]))
      .thenFails('VALIDATION_FAILED', /CAP-35UF appears twice/);
    expect(error.details).toEqual([expect.objectContaining({ field: 'items' })]);
  });
});

describe('the version in force', () => {
  const history = stateAfter([published(1, V1_FROM), published(2, V2_FROM, DEARER), published(3, V3_FROM)]);
  const versionAt = (at: string): number | undefined => versionInForce(history, at)?.version;

  it('is none before the first version takes effect', () => {
    expect(versionInForce(history, '2026-03-01T07:59:59.999Z')).toBeNull();
    expect(versionInForce(stateAfter([]), NOW)).toBeNull();
  });

  it('is a version from the instant it takes effect', () => {
    expect(versionAt(V1_FROM)).toBe(1);
    expect(versionAt(V2_FROM)).toBe(2);
    expect(versionAt(V3_FROM)).toBe(3);
  });

  it('is the earlier version up to the instant the next one takes effect', () => {
    expect(versionAt('2026-03-15T00:00:00.000Z')).toBe(1);
    expect(versionAt('2026-03-31T23:59:59.999Z')).toBe(1);
    expect(versionAt('2026-06-30T23:59:59.999Z')).toBe(2);
  });

  it('is the latest version after every version took effect', () => {
    expect(versionAt('2030-01-01T00:00:00.000Z')).toBe(3);
  });

  it('comes with the prices of that version', () => {
    const v2: RateCardVersion | null = versionInForce(history, '2026-05-01T00:00:00.000Z');
    expect(v2?.items.map((i) => [i.code, i.unitPriceFen])).toEqual([
      ['LAB-DIAG', 6_000],
      ['CAP-35UF', 4_800],
    ]);
  });

  it('compares instants, not text, when they are written with an offset', () => {
    // 2026-04-01T07:30+08:00 is 2026-03-31T23:30Z: still version 1.
    expect(versionAt('2026-04-01T07:30:00.000+08:00')).toBe(1);
  });
});
