import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { canonicalJson } from '../../src/event-store/canonical.js';
import type { RecordedEvent } from '../../src/event-store/envelope.js';
import { buildRecords, NO_STREAM_HEAD } from '../../src/event-store/append-core.js';
import { eventHash, verifyStream } from '../../src/event-store/hash-chain.js';
import { meta, noted } from '../support/events.js';

function chain(n: number): RecordedEvent[] {
  const events = Array.from({ length: n }, (_, i) => noted('cmd', { i, amountFen: 100 * i }));
  return buildRecords('order-1', events, NO_STREAM_HEAD, '2026-01-01T00:00:00.000Z');
}

describe('canonical JSON', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });
  it('refuses NUL characters and unpaired surrogates, which not every store can keep', () => {
    expect(() => canonicalJson({ name: 'a\u0000b' })).toThrow('at $.name');
    expect(() => canonicalJson({ reason: '\ud800' })).toThrow('at $.reason');
    expect(canonicalJson({ name: '王师傅 😀' })).toBe('{"name":"王师傅 😀"}');
  });
  it('refuses floats, so money cannot sneak in as a fraction', () => {
    expect(() => canonicalJson({ amountFen: 10.5 })).toThrow('at $.amountFen');
  });
});

describe('verifyStream', () => {
  it('accepts an untouched chain', () => {
    expect(verifyStream('order-1', chain(4))).toMatchObject({ ok: true, events: 4 });
  });
  it('names an edited payload', () => {
    const events = chain(4);
    events[2] = { ...events[2]!, data: { i: 2, amountFen: 1 } };
    expect(verifyStream('order-1', events)).toMatchObject({ ok: false, revision: 2, problem: 'hash_mismatch' });
  });
  it('names edited metadata (who acted)', () => {
    const events = chain(3);
    events[1] = { ...events[1]!, metadata: { ...events[1]!.metadata, actor: { id: 'someone-else', role: 'admin' } } };
    expect(verifyStream('order-1', events)).toMatchObject({ ok: false, revision: 1, problem: 'hash_mismatch' });
  });
  it('names a deleted event by the revision that is missing', () => {
    const events = chain(4);
    events.splice(1, 1);
    expect(verifyStream('order-1', events)).toMatchObject({ ok: false, revision: 1, problem: 'revision_gap' });
  });
  it('catches a deletion that renumbered the later events', () => {
    const events = chain(4);
    const renumbered = [events[0]!, { ...events[2]!, revision: 1 }, { ...events[3]!, revision: 2 }];
    expect(verifyStream('order-1', renumbered)).toMatchObject({ ok: false, revision: 1, problem: 'prev_hash_mismatch' });
  });
});

describe('event hash', () => {
  it('is SHA-256 over the canonical JSON of the hashed fields, which anyone can recompute from an exported event', () => {
    const payload = fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer())));
    fc.assert(
      fc.property(payload, fc.string({ minLength: 1 }), fc.nat(), (data, type, revision) => {
        const fields = {
          eventId: 'e1',
          stream: 'order-1',
          revision,
          type,
          schemaVersion: 1,
          recordedAt: '2026-01-01T00:00:00.000Z',
          data: JSON.parse(JSON.stringify(data)) as unknown,
          metadata: meta('cmd'),
          prevHash: 'f'.repeat(64),
        };
        let canonical: string;
        try {
          canonical = canonicalJson(fields);
        } catch {
          return; // strings without a canonical form are refused at append, before any hash
        }
        expect(eventHash(fields)).toBe(createHash('sha256').update(canonical).digest('hex'));
      }),
    );
  });
});
