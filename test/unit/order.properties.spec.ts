import fc from 'fast-check';
import { orderDecider, type OrderCommand, type OrderState } from '../../src/orders/domain/order.decider.js';
import { COMPLETION_OUTCOMES, type OrderEvent, PAYERS } from '../../src/orders/domain/order.events.js';
import { fold } from '../../src/shared/decider.js';
import { DomainError } from '../../src/shared/domain-error.js';
import {
  acceptQuote,
  addCharge,
  AFTER_AT,
  cancelOrder,
  CARD,
  chargeAdded,
  agent,
  checkIn,
  completeOrder,
  complaintLinked,
  dispatchEngineer,
  engineerCheckedIn,
  engineerDispatched,
  issueQuote,
  LATE_AT,
  lineVoided,
  linkComplaint,
  ON_SITE_AT,
  orderCancelled,
  orderCompleted,
  orderCreated,
  orderData,
  orderRated,
  PACKAGE,
  packageOrderCreated,
  partUsed,
  paymentRecorded,
  priced,
  quoteAccepted,
  quoteIssued,
  rateOrder,
  recordPayment,
  recordRefund,
  refundRecorded,
  usePart,
  VERIFIED,
  voidLine,
} from '../support/order-fixtures.js';

/**
 * Random walks through an order's life. Each step becomes a command against the current state;
 * a refusal (a DomainError) records nothing and the walk goes on; any other error is a bug.
 * After every step the money rules of DESIGN.md must still hold.
 */

const NUM_RUNS = 300;

// Mostly codes on the card; now and then one that is not, or a bad quantity, so refusals happen too.
const code = fc.oneof({ arbitrary: fc.constantFrom(...CARD.items.map((i) => i.code)), weight: 15 }, { arbitrary: fc.constant('CAP-99UF'), weight: 1 });
const quantity = fc.oneof({ arbitrary: fc.integer({ min: 1, max: 4 }), weight: 15 }, { arbitrary: fc.constantFrom(0, -1, 1.5), weight: 1 });
const amountFen = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 25_000 }), weight: 6 },
  { arbitrary: fc.constantFrom(2_000, 4_500, 5_000, 9_000, 14_000, 19_900), weight: 3 },
  { arbitrary: fc.constantFrom(0, -100, 12.5, Number.NaN), weight: 1 },
);

// Half the lines marked as warranty work (billed to the brand): on site, only a line the latest quote
// marks gets through, so fewer would seldom reach one.
const payer = fc.oneof({ arbitrary: fc.constant(undefined), weight: 1 }, { arbitrary: fc.constant('brand' as const), weight: 1 });
type LinePayer = 'brand' | undefined;

type Step =
  | { k: 'quote'; lines: { code: string; quantity: number; payer: LinePayer }[] }
  | { k: 'accept' }
  | { k: 'dispatch' }
  | { k: 'checkIn'; late: boolean }
  | { k: 'part'; code: string; quantity: number; payer: LinePayer }
  | { k: 'charge'; code: string; quantity: number; payer: LinePayer }
  | { k: 'void'; pick: number }
  | { k: 'pay'; amountFen: number }
  | { k: 'refund'; amountFen: number }
  | { k: 'complete' }
  | { k: 'rate'; stars: number }
  | { k: 'cancel' }
  | { k: 'link'; complaint: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant('quote' as const), lines: fc.array(fc.record({ code, quantity, payer }), { minLength: 1, maxLength: 4 }) }), weight: 15 },
  { arbitrary: fc.constant({ k: 'accept' as const }), weight: 15 },
  { arbitrary: fc.constant({ k: 'dispatch' as const }), weight: 10 },
  { arbitrary: fc.record({ k: fc.constant('checkIn' as const), late: fc.boolean() }), weight: 10 },
  { arbitrary: fc.record({ k: fc.constant('part' as const), code, quantity, payer }), weight: 24 },
  { arbitrary: fc.record({ k: fc.constant('charge' as const), code, quantity, payer }), weight: 24 },
  { arbitrary: fc.record({ k: fc.constant('void' as const), pick: fc.nat() }), weight: 8 },
  { arbitrary: fc.record({ k: fc.constant('pay' as const), amountFen }), weight: 15 },
  { arbitrary: fc.record({ k: fc.constant('refund' as const), amountFen }), weight: 10 },
  { arbitrary: fc.constant({ k: 'complete' as const }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('rate' as const), stars: fc.integer({ min: 1, max: 5 }) }), weight: 4 },
  { arbitrary: fc.constant({ k: 'cancel' as const }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('link' as const), complaint: fc.integer({ min: 1, max: 3 }) }), weight: 2 },
);
const steps = fc.array(step, { minLength: 10, maxLength: 50, size: 'max' });

const withPayer = (command: OrderCommand, linePayer: LinePayer): OrderCommand =>
  linePayer ? ({ ...command, data: { ...command.data, payer: linePayer } } as OrderCommand) : command;

function toCommand(s: Step, state: OrderState): OrderCommand {
  const quotes = state.status === 'none' ? 0 : state.quotes.length;
  const lines = state.status === 'none' ? 0 : state.lines.length;
  switch (s.k) {
    case 'quote':
      return issueQuote(s.lines.map((l) => (l.payer ? l : { code: l.code, quantity: l.quantity })));
    case 'accept':
      return acceptQuote(quotes);
    case 'dispatch':
      return dispatchEngineer(VERIFIED);
    case 'checkIn':
      // An arrival recorded afterwards (by staff): engineers check in at the server's time.
      return checkIn(AFTER_AT, s.late ? LATE_AT : ON_SITE_AT, agent);
    case 'part':
      return withPayer(usePart(s.code, s.quantity), s.payer);
    case 'charge':
      return withPayer(addCharge(s.code, s.quantity), s.payer);
    case 'void':
      return voidLine(`L${(s.pick % Math.max(lines, 1)) + 1}`);
    case 'pay':
      return recordPayment(s.amountFen);
    case 'refund':
      return recordRefund(s.amountFen);
    case 'complete':
      return completeOrder();
    case 'rate':
      return rateOrder(s.stars);
    case 'cancel':
      return cancelOrder();
    case 'link':
      return linkComplaint(`cmp-${s.complaint}`);
  }
}

interface Walk {
  /** The state after each accepted or refused step, starting with the booked order. */
  states: OrderState[];
  /** Every event decided, starting with OrderCreated. */
  events: OrderEvent[];
  refusals: string[];
}

/** Applies each step; refusals record nothing; anything but a DomainError escapes and fails the property (e). */
function walk(booked: OrderEvent, plan: Step[]): Walk {
  let state = orderDecider.evolve(orderDecider.initialState, booked);
  const states = [state];
  const events = [booked];
  const refusals: string[] = [];
  for (const s of plan) {
    const command = toCommand(s, state);
    let decided: OrderEvent[];
    try {
      decided = orderDecider.decide(command, state);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      refusals.push(error.code);
      states.push(state);
      continue;
    }
    for (const event of decided) state = orderDecider.evolve(state, event);
    events.push(...decided);
    states.push(state);
  }
  return { states, events, refusals };
}

const open = (state: OrderState) => {
  if (state.status === 'none') throw new Error('the walk lost its order');
  return state;
};

const standingCustomerFen = (state: OrderState) =>
  open(state).lines.reduce((sum, l) => (l.payer === 'customer' && !l.voided ? sum + l.amountFen : sum), 0);

/** Fisher-Yates driven by generated numbers, so fast-check can shrink the order too. */
function shuffled<T>(items: T[], keys: number[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = (keys[i % Math.max(keys.length, 1)] ?? 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A warranty that lasts past every instant the walks use. */
const WARRANTY_UNTIL = '2027-01-01T00:00:00.000Z';
const warrantyOrderCreated = () => orderCreated({ product: { ...orderData().product, warrantyUntil: WARRANTY_UNTIL } });

const ORDERS = [
  ['an order the customer pays', () => orderCreated()],
  ['a package order', () => packageOrderCreated()],
  ['an order under warranty', () => warrantyOrderCreated()],
] as const;

describe.each(ORDERS)('random command sequences on %s', (_, booked) => {
  it('never lets standing customer-paid lines exceed the accepted quote customer total', () => {
    fc.assert(
      fc.property(steps, (plan) => {
        for (const state of walk(booked(), plan).states) {
          expect(standingCustomerFen(state)).toBeLessThanOrEqual(open(state).accepted?.ceilingFen ?? 0);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('never refunds more than was paid', () => {
    fc.assert(
      fc.property(steps, (plan) => {
        for (const state of walk(booked(), plan).states) {
          expect(open(state).refundedFen).toBeLessThanOrEqual(open(state).paidFen);
          expect(open(state).refundedFen).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('folds the decided events into the same state, and evolve never throws on them in any order', () => {
    fc.assert(
      fc.property(steps, fc.array(fc.nat(), { maxLength: 50 }), (plan, keys) => {
        const { states, events } = walk(booked(), plan);
        expect(fold(orderDecider, events)).toEqual(states[states.length - 1]);
        const mixed = shuffled(events, keys);
        expect(() => fold(orderDecider, mixed)).not.toThrow();
        expect(() => fold(orderDecider, mixed.filter((e) => e.type !== 'OrderCreated'))).not.toThrow();
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('random command sequences on a package order', () => {
  it('never takes more from the customer than the package price, net of refunds', () => {
    fc.assert(
      fc.property(steps, (plan) => {
        for (const state of walk(packageOrderCreated(), plan).states) {
          expect(open(state).paidFen - open(state).refundedFen).toBeLessThanOrEqual(PACKAGE.priceFen);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('never bills a line to the customer', () => {
    fc.assert(
      fc.property(steps, (plan) => {
        const { states, events } = walk(packageOrderCreated(), plan);
        for (const state of states) expect(open(state).lines.filter((l) => l.payer === 'customer')).toEqual([]);
        for (const e of events) if (e.type === 'QuoteIssued') expect(e.data.customerTotalFen).toBe(0);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('random command sequences on an order under warranty', () => {
  it('bills the brand for warranty work only up to what the latest quote marks, item by item', () => {
    const warrantyQuantity = (state: OrderState, code: string) =>
      open(state).lines.reduce((sum, l) => (l.warranty && !l.voided && l.code === code ? sum + l.quantity : sum), 0);
    fc.assert(
      fc.property(steps, (plan) => {
        const { states } = walk(warrantyOrderCreated(), plan);
        for (let i = 1; i < states.length; i++) {
          const before = open(states[i - 1]!);
          const added = open(states[i]!).lines.slice(before.lines.length);
          for (const l of added.filter((x) => x.payer === 'brand')) {
            const latest = before.quotes[before.quotes.length - 1]!;
            const marked = latest.lines.reduce((sum, q) => (q.warrantyWork && q.code === l.code ? sum + q.quantity : sum), 0);
            expect(l.warranty).toEqual({ quoteRevision: latest.quoteRevision, warrantyUntil: WARRANTY_UNTIL });
            expect(l.consent).toBeUndefined();
            expect(warrantyQuantity(states[i]!, l.code)).toBeLessThanOrEqual(marked);
          }
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('records warranty lines in the walks, so the property above is not empty', () => {
    const lines = fc.sample(steps, { numRuns: 300, seed: 42 }).flatMap((plan) => open(walk(warrantyOrderCreated(), plan).states.at(-1)!).lines);
    expect(lines.filter((l) => l.warranty).length).toBeGreaterThan(10);
  });
});

describe('random command sequences on an order without a warranty', () => {
  it('never bills the brand', () => {
    fc.assert(
      fc.property(steps, (plan) => {
        const { states, events } = walk(orderCreated(), plan);
        for (const state of states) expect(open(state).lines.filter((l) => l.payer !== 'customer')).toEqual([]);
        for (const e of events) if (e.type === 'QuoteIssued') expect(e.data.lines.filter((l) => l.payer !== 'customer')).toEqual([]);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('the random walks', () => {
  // Guards against properties that hold only because the walks never get anywhere.
  it('reach charges, voids, payments, refunds, completion and ratings', () => {
    const seen = new Set<string>();
    // More walks than a property runs, so that rare ends (a rating needs a completion) surely show.
    for (const plan of fc.sample(steps, 1_000)) {
      for (const e of walk(orderCreated(), plan).events) seen.add(e.type);
    }
    expect([...seen].sort()).toEqual(
      [
        'OrderCreated',
        'QuoteIssued',
        'QuoteAccepted',
        'EngineerDispatched',
        'EngineerCheckedIn',
        'PartUsed',
        'ChargeAdded',
        'LineVoided',
        'PaymentRecorded',
        'RefundRecorded',
        'OrderCompleted',
        'OrderRated',
        'OrderCancelled',
        'ComplaintLinked',
      ].sort(),
    );
  });
});

// Any event sequence at all, not only ones the decider would produce -----------------------------

const lineId = fc.integer({ min: 1, max: 6 }).map((n) => `L${n}`);
const pricedLine = fc
  .record({ code: fc.constantFrom(...CARD.items.map((i) => i.code)), quantity: fc.integer({ min: 1, max: 4 }), payer: fc.constantFrom(...PAYERS) })
  .map(({ code: c, quantity: q, payer }) => priced(c, q, (CARD.items.find((i) => i.code === c)!.unitPriceFen) * q, payer));
const consent = fc.option(fc.record({ quoteRevision: fc.integer({ min: 1, max: 4 }), ceilingFen: fc.nat({ max: 50_000 }) }), { nil: undefined });
const fen = fc.integer({ min: -1_000, max: 50_000 });

const anyEvent: fc.Arbitrary<OrderEvent> = fc.oneof(
  fc.constant(orderCreated()),
  fc.constant(packageOrderCreated()),
  fc.record({ rev: fc.integer({ min: 0, max: 4 }), lines: fc.array(pricedLine, { maxLength: 3 }), c: fen, t: fen }).map((q) => quoteIssued(q.rev, q.lines, q.c, q.t)),
  fc.record({ rev: fc.integer({ min: 0, max: 4 }), total: fen }).map((a) => quoteAccepted(a.rev, a.total)),
  fc.constant(engineerDispatched(VERIFIED)),
  fc.record({ at: fc.constantFrom(ON_SITE_AT, LATE_AT, 'not a date'), late: fc.boolean() }).map((c) => engineerCheckedIn(c.at, c.late)),
  fc.tuple(lineId, pricedLine, consent).map(([id, l, c]) => partUsed(id, l, c)),
  fc.tuple(lineId, pricedLine, consent).map(([id, l, c]) => chargeAdded(id, l, c)),
  fc.tuple(lineId, fen, fc.constantFrom(...PAYERS)).map(([id, a, p]) => lineVoided(id, a, p)),
  fc.constantFrom(...COMPLETION_OUTCOMES).map((o) => orderCompleted(o)),
  fen.map((a) => paymentRecorded('P1', a)),
  fen.map((a) => refundRecorded('R1', a)),
  fc.integer({ min: 0, max: 6 }).map((s) => orderRated(s)),
  fc.constant(orderCancelled()),
  fc.integer({ min: 1, max: 3 }).map((n) => complaintLinked(`cmp-${n}`)),
);

describe('evolve', () => {
  it('never throws, whatever order events arrive in', () => {
    fc.assert(
      fc.property(fc.array(anyEvent, { maxLength: 40 }), (events) => {
        const state = fold(orderDecider, events);
        expect(['none', 'created', 'dispatched', 'in_service', 'completed', 'cancelled']).toContain(state.status);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
