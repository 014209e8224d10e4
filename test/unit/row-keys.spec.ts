import fc from 'fast-check';
import { rowKey } from '../../projections/row-set.js';
import { KeyFilter } from '../../src/read-models/key-filter.js';

describe('row keys in memory', () => {
  it('are equal exactly when the primary-key values are, for one and two text values, NULs included', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '\u0000', '"', ',', '[') });
    fc.assert(
      fc.property(fc.tuple(text, text), fc.tuple(text, text), (a, b) => {
        expect(rowKey(a) === rowKey(b)).toBe(a[0] === b[0] && a[1] === b[1]);
      }),
    );
    fc.assert(fc.property(text, text, (a, b) => expect(rowKey([a]) === rowKey([b])).toBe(a === b)));
  });

  it('tell keys of other types and arities apart', () => {
    expect(rowKey(['ord-1', 0])).not.toBe(rowKey(['ord-1', 1]));
    expect(rowKey(['ord-1', 0])).not.toBe(rowKey(['ord-1', '0']));
    expect(rowKey([1])).not.toBe(rowKey([2]));
  });
});

describe('the filter of written row keys', () => {
  it('knows every key added and turns away almost every other', () => {
    const filter = new KeyFilter(16);
    const added = Array.from({ length: 5_000 }, (_, i) => `ord-${i}\u0000L${i % 7}`);
    for (const key of added) filter.add(key);
    expect(added.every((key) => filter.mightHave(key))).toBe(true);
    // 5,000 keys in 65,536 bits with four bits each: about 1% of the others answer "maybe".
    const others = Array.from({ length: 20_000 }, (_, i) => `ord-${i + 5_000}\u0000L${i % 7}`);
    const maybe = others.filter((key) => filter.mightHave(key)).length;
    expect(maybe).toBeLessThan(others.length * 0.03);
  });
});
