/**
 * A Bloom filter of row keys: `add` a key, and `mightHave` answers false only for a key never
 * added (true for every added key, and now and then for another). Fixed memory whatever the
 * number of keys: as the filter fills, more absent keys answer true, never the other way.
 * The projection engine keeps one per table of tables that started empty, for the rows it has
 * written and let go of; a key it never wrote needs no lookup.
 */
export class KeyFilter {
  private readonly words: Uint32Array;
  private readonly mask: number;

  /** 2^log2Bits bits (2^24 = 2 MB: about 1% false answers at 1.6 million keys, 4% at 2.5 million). */
  constructor(log2Bits = 24) {
    this.words = new Uint32Array(2 ** (log2Bits - 5));
    this.mask = 2 ** log2Bits - 1;
  }

  add(key: string): void {
    this.probe(key, true);
  }

  mightHave(key: string): boolean {
    return this.probe(key, false);
  }

  /** Four bits per key, by double hashing two 32-bit FNV-style hashes of its UTF-16 units. */
  private probe(key: string, set: boolean): boolean {
    let a = 0x811c9dc5;
    let b = 0x01000193;
    for (let i = 0; i < key.length; i++) {
      const unit = key.charCodeAt(i);
      a = Math.imul(a ^ unit, 0x01000193);
      b = Math.imul(b ^ unit, 0x5bd1e995);
    }
    b = (b ^ (b >>> 15)) | 1;
    for (let i = 0; i < 4; i++) {
      const bit = (a + Math.imul(i, b)) & this.mask;
      const word = bit >>> 5;
      const flag = 1 << (bit & 31);
      if (set) this.words[word]! |= flag;
      else if ((this.words[word]! & flag) === 0) return false;
    }
    return true;
  }
}
