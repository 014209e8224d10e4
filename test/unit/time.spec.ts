import { isIsoInstant, normalizeInstant } from '../../src/shared/time.js';

describe('ISO-8601 instants', () => {
  it.each([
    '2026-05-04T10:00:00Z',
    '2026-05-04T10:00:00.123Z',
    '2026-05-04T18:00:00+08:00',
    '2028-02-29T23:59:59.999999999-05:30',
    '2000-02-29T00:00:00Z',
    '2026-12-31T23:59:59Z',
  ])('accepts %s', (value) => {
    expect(isIsoInstant(value)).toBe(true);
  });

  it.each([
    ['a day past the end of its month', '2026-02-30T10:00:00Z'],
    ['29 February of a common year', '2026-02-29T10:00:00Z'],
    ['29 February of a century that is no leap year', '2100-02-29T10:00:00Z'],
    ['31 April', '2026-04-31T10:00:00Z'],
    ['month 13', '2026-13-01T10:00:00Z'],
    ['day 0', '2026-05-00T10:00:00Z'],
    ['hour 24', '2026-05-04T24:00:00Z'],
    ['minute 60', '2026-05-04T10:60:00Z'],
    ['second 60', '2026-05-04T10:00:60Z'],
    ['an offset of 24 hours', '2026-05-04T10:00:00+24:00'],
    ['no time zone', '2026-05-04T10:00:00'],
    ['a date alone', '2026-05-04'],
    ['a week date', '2026-W18'],
    ['a number', 1_777_888_000_000],
  ])('refuses %s (%p) rather than read it as another instant', (_, value) => {
    expect(isIsoInstant(value)).toBe(false);
  });

  it('normalises an instant with an offset to UTC with milliseconds', () => {
    expect(normalizeInstant('2030-01-01T08:00:00+08:00')).toBe('2030-01-01T00:00:00.000Z');
  });
});
