import { dispatchability, type RelyingCredential } from '../../src/engineers/domain/engineer.decider.js';
import type { CredentialKind } from '../../src/engineers/domain/engineer.events.js';
import type { Actor, RecordedEvent } from '../../src/event-store/envelope.js';
import { chargeTrail } from '../../src/orders/domain/charge-trail.js';
import { timeline } from '../../src/orders/domain/timeline.js';
import { customerChargesFen, orderDecider, type OrderCommand, type OrderState, type RepeatedOrder } from '../../src/orders/domain/order.decider.js';
import type { OrderCreated, OrderEvent, PricedLine } from '../../src/orders/domain/order.events.js';
import { fold } from '../../src/shared/decider.js';
import { DomainError } from '../../src/shared/domain-error.js';
import {
  acceptQuote,
  addCharge,
  AFTER_AT,
  BOOKED_AT,
  agent,
  cancelOrder,
  chargeAdded,
  checkIn,
  completeOrder,
  complaintLinked,
  createOrder,
  customer,
  dispatchabilityOf,
  dispatchEngineer,
  engineer,
  engineerAfter,
  engineerCheckedIn,
  engineerDispatched,
  engineerRegistered,
  fullyVerified,
  issueQuote,
  LATE_AT,
  lineVoided,
  linkComplaint,
  ON_SITE_AT,
  ORDER_ID,
  orderCancelled,
  orderCompleted,
  orderCreated,
  orderData,
  orderRated,
  otherCustomer,
  otherEngineer,
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
  supervisor,
  usePart,
  VERIFIED,
  voidLine,
  WINDOW,
} from '../support/order-fixtures.js';
import { spec } from '../support/spec.js';

const order = spec(orderDecider);
const stateAfter = (events: OrderEvent[]): OrderState => fold(orderDecider, events);

// Histories ---------------------------------------------------------------------------------------
// Quote revision 1: one diagnosis (5,000 fen) and two capacitors (2 x 4,500 = 9,000 fen) = 14,000 fen.

const QUOTE_1 = [priced('LAB-DIAG', 1, 5_000), priced('CAP-35UF', 2, 9_000)];
const CONSENT_1 = { quoteRevision: 1, ceilingFen: 14_000 };

const created: OrderEvent[] = [orderCreated()];
const quoted: OrderEvent[] = [...created, quoteIssued(1, QUOTE_1, 14_000, 14_000)];
const accepted: OrderEvent[] = [...quoted, quoteAccepted(1, 14_000)];
const dispatched: OrderEvent[] = [...accepted, engineerDispatched(VERIFIED)];
const onSite: OrderEvent[] = [...dispatched, engineerCheckedIn(ON_SITE_AT, false)];
const completed: OrderEvent[] = [...onSite, partUsed('L1', priced('CAP-35UF', 2, 9_000), CONSENT_1), orderCompleted()];
const cancelled: OrderEvent[] = [...accepted, orderCancelled()];

const packageCreated: OrderEvent[] = [packageOrderCreated()];
const packageOnSite: OrderEvent[] = [...packageCreated, engineerDispatched(VERIFIED), engineerCheckedIn(ON_SITE_AT, false)];

const withCard = (command: OrderCommand, card: null): OrderCommand => ({ ...command, card }) as OrderCommand;

// -------------------------------------------------------------------------------------------------

describe('creating an order', () => {
  it('books the order as given', () => {
    order.given([]).when(createOrder()).then([orderCreated()]);
  });

  it('books an all-inclusive package with its price and funder', () => {
    order.given([]).when(createOrder(orderData({ package: PACKAGE }))).then([orderCreated({ package: PACKAGE })]);
  });

  it('refuses to book the same order twice', () => {
    order.given(created).when(createOrder()).thenFails('ORDER_ALREADY_EXISTS', /ord-1/);
  });

  it.each([
    ['ends before it starts', { from: WINDOW.to, to: WINDOW.from }],
    ['ends when it starts', { from: WINDOW.from, to: WINDOW.from }],
    ['has an instant that is not a date', { from: 'next tuesday', to: WINDOW.to }],
  ])('refuses an appointment window that %s', (_, appointment) => {
    const error = order.given([]).when(createOrder(orderData({ appointment }))).thenFails('VALIDATION_FAILED');
    expect(error.kind).toBe('validation');
    expect(error.details).toEqual([expect.objectContaining({ field: 'appointment.to' })]);
  });

  describe('a repeat visit', () => {
    const original = stateAfter(completed) as RepeatedOrder;
    const repeatOf = (data: Partial<OrderCreated['data']> = {}, found: RepeatedOrder | null = original): OrderCommand => ({
      ...createOrder(orderData({ orderId: 'ord-2', repeatOf: ORDER_ID, ...data })),
      repeats: found,
    }) as OrderCommand;

    it('books a repeat of an order of the same customer and appliance', () => {
      order.given([]).when(repeatOf()).then([orderCreated({ orderId: 'ord-2', repeatOf: ORDER_ID })]);
    });

    it('refuses a repeat of an order that does not exist, or of itself', () => {
      const error = order.given([]).when(repeatOf({}, null)).thenFails('REPEAT_OF_UNKNOWN_ORDER', /ord-1 does not exist/);
      expect(error.details).toEqual([expect.objectContaining({ field: 'repeatOf' })]);
      order.given([]).when(repeatOf({ repeatOf: 'ord-2' }, null)).thenFails('REPEAT_OF_UNKNOWN_ORDER', /cannot repeat itself/);
    });

    it("refuses a repeat of another customer's order", () => {
      const customer = { ...orderData().customer, customerId: otherCustomer.id };
      order.given([]).when(repeatOf({ customer })).thenFails('REPEAT_OF_OTHER_CUSTOMER', /customer cust-1's, not cust-2's; a repeat visit gives customer.customerId cust-1/);
    });

    it('refuses a repeat on another kind of appliance', () => {
      const product = { brand: 'midea', category: 'washer', model: 'MG100' };
      order.given([]).when(repeatOf({ product })).thenFails('REPEAT_OF_OTHER_APPLIANCE', /midea air_conditioner, not a midea washer/);
      order.given([]).when(repeatOf({ product: { ...product, brand: 'gree', category: 'air_conditioner' } })).thenFails('REPEAT_OF_OTHER_APPLIANCE');
    });
  });

  it('starts with no quote, no lines and no money', () => {
    expect(stateAfter(created)).toEqual({
      ...orderData(),
      status: 'created',
      quotes: [],
      lines: [],
      paidFen: 0,
      refundedFen: 0,
      payments: 0,
      refunds: 0,
      complaints: [],
    });
  });
});

describe('an order that was never booked', () => {
  it.each([
    issueQuote([{ code: 'LAB-DIAG', quantity: 1 }]),
    acceptQuote(1),
    dispatchEngineer(VERIFIED),
    checkIn(ON_SITE_AT),
    usePart('CAP-35UF', 1),
    addCharge('LAB-DIAG', 1),
    voidLine('L1'),
    completeOrder(),
    recordPayment(100),
    recordRefund(100),
    rateOrder(5),
    cancelOrder(),
    linkComplaint(),
  ])('is not found for $type', (command) => {
    const error = order.given([]).when(command).thenFails('NOT_FOUND', /order ord-1/);
    expect(error.kind).toBe('not_found');
  });
});

describe('quoting from the rate card in force', () => {
  it('prices every line at the published unit price times the quantity, citing the card version and item', () => {
    order
      .given(created)
      .when(issueQuote([{ code: 'LAB-DIAG', quantity: 1 }, { code: 'CAP-35UF', quantity: 2 }]))
      .then([quoteIssued(1, QUOTE_1, 14_000, 14_000)]);
  });

  it('writes down the price it used, so nothing is re-priced later', () => {
    const [event] = orderDecider.decide(issueQuote([{ code: 'GAS-R32', quantity: 3 }]), stateAfter(created));
    expect(event).toEqual({
      type: 'QuoteIssued',
      data: {
        orderId: ORDER_ID,
        quoteRevision: 1,
        lines: [
          {
            code: 'GAS-R32',
            name: 'R32 冷媒',
            kind: 'consumable',
            unit: '100g',
            unitPriceFen: 3_000,
            quantity: 3,
            amountFen: 9_000,
            payer: 'customer',
            rateCard: { rateCardId: 'midea.air_conditioner.ALL', version: 3, itemCode: 'GAS-R32' },
          },
        ],
        customerTotalFen: 9_000,
        totalFen: 9_000,
      },
    });
  });

  it('numbers each revised quote after the last', () => {
    order
      .given(quoted)
      .when(issueQuote([{ code: 'FEE-VISIT', quantity: 1 }]))
      .then([quoteIssued(2, [priced('FEE-VISIT', 1, 2_000)], 2_000, 2_000)]);
    order
      .given([...accepted, quoteIssued(2, [priced('FEE-VISIT', 1, 2_000)], 2_000, 2_000)])
      .when(issueQuote([{ code: 'LAB-DIAG', quantity: 2 }]))
      .then([quoteIssued(3, [priced('LAB-DIAG', 2, 10_000)], 10_000, 10_000)]);
  });

  it('refuses a quote when no rate card is in force', () => {
    order
      .given(created)
      .when(issueQuote([{ code: 'LAB-DIAG', quantity: 1 }], null))
      .thenFails('RATE_CARD_NOT_FOUND', /midea air_conditioner in shanghai/);
  });

  it('refuses an item that is not on the card', () => {
    const error = order
      .given(created)
      .when(issueQuote([{ code: 'LAB-DIAG', quantity: 1 }, { code: 'CAP-99UF', quantity: 1 }]))
      .thenFails('RATE_CARD_ITEM_NOT_FOUND', /CAP-99UF is not on rate card midea.air_conditioner.ALL v3/);
    expect(error.details).toEqual([expect.objectContaining({ field: 'code', code: 'CAP-99UF' })]);
  });

  it('refuses a quote without lines', () => {
    order.given(created).when(issueQuote([])).thenFails('VALIDATION_FAILED');
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses a quantity of %p', (quantity) => {
    order.given(created).when(issueQuote([{ code: 'CAP-35UF', quantity }])).thenFails('VALIDATION_FAILED');
  });

  it('bills every line of a package order to the funder and leaves the customer total at zero', () => {
    order
      .given(packageCreated)
      .when(issueQuote([{ code: 'LAB-DIAG', quantity: 1 }, { code: 'CAP-35UF', quantity: 2 }]))
      .then([quoteIssued(1, [priced('LAB-DIAG', 1, 5_000, 'brand'), priced('CAP-35UF', 2, 9_000, 'brand')], 0, 14_000)]);
  });

  it('bills a platform-funded package to the platform', () => {
    order
      .given([orderCreated({ package: { ...PACKAGE, fundedBy: 'platform' } })])
      .when(issueQuote([{ code: 'FEE-VISIT', quantity: 1 }]))
      .then([quoteIssued(1, [priced('FEE-VISIT', 1, 2_000, 'platform')], 0, 2_000)]);
  });

  it('refuses a quote on a cancelled order', () => {
    order.given(cancelled).when(issueQuote([{ code: 'LAB-DIAG', quantity: 1 }])).thenFails('ORDER_NOT_OPEN');
  });
});

describe('accepting a quote', () => {
  it('records the customer consent to the customer total of the quote', () => {
    order.given(quoted).when(acceptQuote(1)).then([quoteAccepted(1, 14_000, customer)]);
  });

  it('makes that total the ceiling for customer charges', () => {
    expect(stateAfter(accepted)).toMatchObject({ accepted: CONSENT_1 });
  });

  it('records the agent who accepted on the customer behalf', () => {
    order.given(quoted).when(acceptQuote(1, agent)).then([quoteAccepted(1, 14_000, agent)]);
  });

  it('refuses a revision that was never issued', () => {
    order.given(quoted).when(acceptQuote(2)).thenFails('QUOTE_NOT_FOUND', /revision 2/);
    order.given(created).when(acceptQuote(1)).thenFails('QUOTE_NOT_FOUND');
  });

  it('refuses a revision that a later quote superseded', () => {
    order
      .given([...quoted, quoteIssued(2, [priced('FEE-VISIT', 1, 2_000)], 2_000, 2_000)])
      .when(acceptQuote(1))
      .thenFails('QUOTE_SUPERSEDED', /superseded by revision 2/);
  });

  it('refuses accepting the same revision twice', () => {
    order.given(accepted).when(acceptQuote(1)).thenFails('QUOTE_ALREADY_ACCEPTED');
  });

  it('accepts a revised quote after an earlier one, moving the ceiling to it', () => {
    const revised = [...accepted, quoteIssued(2, [...QUOTE_1, priced('FEE-VISIT', 1, 2_000)], 16_000, 16_000)];
    order.given(revised).when(acceptQuote(2)).then([quoteAccepted(2, 16_000)]);
    expect(stateAfter([...revised, quoteAccepted(2, 16_000)])).toMatchObject({ accepted: { quoteRevision: 2, ceilingFen: 16_000 } });
  });

  it('refuses a customer accepting a quote on someone else order', () => {
    const error = order.given(quoted).when(acceptQuote(1, otherCustomer)).thenFails('FORBIDDEN', /cust-2/);
    expect(error.kind).toBe('forbidden');
  });

  it('refuses accepting a quote on a cancelled order', () => {
    order.given([...quoted, orderCancelled()]).when(acceptQuote(1)).thenFails('ORDER_NOT_OPEN');
  });

  // DESIGN.md rule 3: "the sum of customer-paid charges may never exceed the accepted quote".
  // Accepting a lower revision after charges were made would leave them above the consent in force.
  it('refuses a revised quote whose customer total is below the customer charges already standing', () => {
    const charged = [...onSite, partUsed('L1', priced('CAP-35UF', 2, 9_000), CONSENT_1), quoteIssued(2, [priced('FEE-VISIT', 1, 2_000)], 2_000, 2_000)];
    // Accepting revision 2 would set a 2,000 fen ceiling under 9,000 fen of standing customer charges.
    expect(() => orderDecider.decide(acceptQuote(2), stateAfter(charged))).toThrow(DomainError);
    order.given(charged).when(acceptQuote(2)).thenFails('QUOTE_BELOW_STANDING_CHARGES');
  });
});

describe('dispatching an engineer', () => {
  const checks = (kind: CredentialKind, category?: string): RelyingCredential => ({
    kind,
    ...(category ? { category } : {}),
    verifications: (['platform', 'brand'] as const).map((verifiedBy) => ({
      verifiedBy,
      certificateNo: `${kind}-${verifiedBy}-1`,
      validFrom: '2026-01-01T00:00:00.000Z',
      validUntil: '2028-01-01T00:00:00.000Z',
    })),
  });

  it('dispatches a verified engineer and records every credential relied on, with both checks of each', () => {
    const [event] = order.given(accepted).when(dispatchEngineer(VERIFIED)).then([engineerDispatched(VERIFIED)]);
    expect(event!.data).toEqual({
      orderId: ORDER_ID,
      engineerId: 'eng-1',
      category: 'air_conditioner',
      at: BOOKED_AT,
      policy: 'enforce',
      credentials: [checks('real_name'), checks('safety'), checks('health'), checks('skill', 'air_conditioner')],
      missing: [],
    });
  });

  it('puts the order in the dispatched state with the engineer', () => {
    expect(stateAfter(dispatched)).toMatchObject({ status: 'dispatched', engineerId: 'eng-1' });
  });

  const checkedOnceForSafety = dispatchabilityOf([
    engineerRegistered(),
    ...fullyVerified().filter((e) => !(e.type === 'CredentialVerified' && e.data.kind === 'safety' && e.data.verifiedBy === 'brand')),
  ]);
  const suspended = dispatchabilityOf([
    engineerRegistered(),
    ...fullyVerified(),
    { type: 'EngineerSuspended', data: { engineerId: 'eng-1', reason: 'overcharge upheld' } },
  ]);
  const washingMachinesOnly = dispatchabilityOf([engineerRegistered('eng-1', ['washing_machine']), ...fullyVerified()]);
  const unregistered = dispatchabilityOf([]);

  it('refuses an engineer whose safety credential only one party checked', () => {
    const error = order.given(accepted).when(dispatchEngineer(checkedOnceForSafety)).thenFails('ENGINEER_NOT_VERIFIED', /safety/);
    expect(error.details).toEqual([expect.objectContaining({ field: 'engineerId', message: expect.stringMatching(/safety credential is verified by 1 valid party/) })]);
  });

  it.each([
    ['no longer', '2028-02-01T00:00:00.000Z'],
    ['not yet', '2025-12-31T23:59:59.999Z'],
  ])('refuses an engineer whose credentials are %s valid at dispatch', (_, at) => {
    const outside = dispatchability(engineerAfter([engineerRegistered(), ...fullyVerified()]), at, 'air_conditioner');
    order
      .given(accepted)
      .when(dispatchEngineer(outside))
      .thenFails('ENGINEER_NOT_VERIFIED', /real_name, safety, health, skill:air_conditioner/);
  });

  it('refuses a suspended engineer', () => {
    order.given(accepted).when(dispatchEngineer(suspended)).thenFails('ENGINEER_SUSPENDED', /eng-1 is suspended/);
  });

  it('refuses an engineer who does not serve the product category', () => {
    order.given(accepted).when(dispatchEngineer(washingMachinesOnly)).thenFails('ENGINEER_WRONG_CATEGORY');
  });

  it('refuses an engineer who is not registered', () => {
    order.given(accepted).when(dispatchEngineer(unregistered)).thenFails('ENGINEER_NOT_FOUND', /eng-1 is not registered/);
  });

  it('lets a platform still onboarding dispatch an unverified engineer under policy record, noting what was missing', () => {
    order
      .given(accepted)
      .when(dispatchEngineer(checkedOnceForSafety, 'record'))
      .then([
        {
          type: 'EngineerDispatched',
          data: {
            orderId: ORDER_ID,
            engineerId: 'eng-1',
            category: 'air_conditioner',
            at: BOOKED_AT,
            policy: 'record',
            credentials: [checks('real_name'), checks('health'), checks('skill', 'air_conditioner')],
            missing: ['safety'],
          },
        },
      ]);
  });

  it('refuses an unregistered engineer even under policy record', () => {
    order.given(accepted).when(dispatchEngineer(unregistered, 'record')).thenFails('ENGINEER_NOT_FOUND');
  });

  it('refuses a suspended engineer even under policy record: it relaxes credential checks only', () => {
    const suspended = { dispatchable: false, reasons: ['the engineer is suspended'], missing: ['suspended'], relied: [] };
    order.given(accepted).when(dispatchEngineer(suspended, 'record')).thenFails('ENGINEER_SUSPENDED');
  });

  it('lets the order be sent to another engineer before anyone arrives', () => {
    const other = dispatchabilityOf([engineerRegistered('eng-2'), ...fullyVerified('eng-2')]);
    order.given(dispatched).when(dispatchEngineer(other, 'enforce', 'eng-2')).then([engineerDispatched(other, 'enforce', 'eng-2')]);
  });

  it('refuses a new dispatch once the engineer is on site', () => {
    order.given(onSite).when(dispatchEngineer(VERIFIED)).thenFails('ENGINEER_ALREADY_ON_SITE');
  });

  it.each([
    ['completed', completed],
    ['cancelled', cancelled],
  ])('refuses a dispatch on a %s order', (_, history) => {
    order.given(history).when(dispatchEngineer(VERIFIED)).thenFails('ORDER_NOT_OPEN');
  });
});

describe('checking in', () => {
  it('records an arrival inside the appointment window as on time', () => {
    order.given(dispatched).when(checkIn(ON_SITE_AT)).then([engineerCheckedIn(ON_SITE_AT, false)]);
  });

  it('records an arrival after the appointment window as late', () => {
    order.given(dispatched).when(checkIn(LATE_AT)).then([engineerCheckedIn(LATE_AT, true)]);
  });

  it('takes the arrival time from the command when it is recorded afterwards', () => {
    order.given(dispatched).when(checkIn(AFTER_AT, ON_SITE_AT, agent)).then([engineerCheckedIn(ON_SITE_AT, false)]);
    order.given(dispatched).when(checkIn(AFTER_AT, LATE_AT, agent)).then([engineerCheckedIn(LATE_AT, true)]);
  });

  it('refuses an arrival time in the future', () => {
    // Recorded by staff, who may give an arrival time: one later than now is still refused.
    const error = order.given(dispatched).when(checkIn(ON_SITE_AT, LATE_AT, agent)).thenFails('VALIDATION_FAILED', /cannot lie in the future/);
    expect(error.details).toEqual([expect.objectContaining({ field: 'at' })]);
  });

  it('refuses an arrival before the dispatch, which would pass a late visit off as on time', () => {
    const error = order.given(dispatched).when(checkIn(ON_SITE_AT, '2026-04-30T08:00:00.000Z')).thenFails('VALIDATION_FAILED', /precede the dispatch/);
    expect(error.details).toEqual([expect.objectContaining({ field: 'at' })]);
  });

  it('refuses the on-site work of an engineer suspended since the dispatch', () => {
    order.given(dispatched).when({ ...checkIn(ON_SITE_AT), engineerSuspended: true } as OrderCommand).thenFails('ENGINEER_SUSPENDED');
    order.given(dispatched).when({ ...checkIn(ON_SITE_AT), engineerSuspended: false } as OrderCommand).then([engineerCheckedIn(ON_SITE_AT, false)]);
  });

  it("refuses an arrival time given by the engineer: the server times the engineer's own check-in", () => {
    const error = order.given(dispatched).when(checkIn(AFTER_AT, ON_SITE_AT)).thenFails('VALIDATION_FAILED', /only staff/);
    expect(error.details).toEqual([expect.objectContaining({ field: 'at' })]);
  });

  it('puts the order in service', () => {
    expect(stateAfter([...dispatched, engineerCheckedIn(LATE_AT, true)])).toMatchObject({ status: 'in_service', checkedInAt: LATE_AT, late: true });
  });

  it('refuses a check-in before any engineer is dispatched', () => {
    order.given(accepted).when(checkIn(ON_SITE_AT, undefined, agent)).thenFails('ORDER_NOT_DISPATCHED');
  });

  it('refuses a second check-in', () => {
    order.given(onSite).when(checkIn(LATE_AT)).thenFails('ALREADY_CHECKED_IN');
  });

  it('refuses a check-in by an engineer the order was not dispatched to', () => {
    const error = order.given(dispatched).when(checkIn(ON_SITE_AT, undefined, otherEngineer)).thenFails('FORBIDDEN', /eng-2/);
    expect(error.kind).toBe('forbidden');
  });

  it('refuses a check-in on a cancelled order', () => {
    order.given([...dispatched, orderCancelled()]).when(checkIn(ON_SITE_AT)).thenFails('ORDER_NOT_OPEN');
  });
});

describe('parts and charges on an order the customer pays', () => {
  it('records a part at its card price under the consent in force', () => {
    order.given(onSite).when(usePart('CAP-35UF', 2)).then([partUsed('L1', priced('CAP-35UF', 2, 9_000), CONSENT_1)]);
  });

  it('records a consumable as a part', () => {
    order.given(onSite).when(usePart('GAS-R32', 3)).then([partUsed('L1', priced('GAS-R32', 3, 9_000), CONSENT_1)]);
  });

  it('keeps the serial and batch numbers of a part', () => {
    order
      .given(onSite)
      .when(usePart('CAP-35UF', 1, { serialNo: 'SN-778', batchNo: 'B-2026-04' }))
      .then([partUsed('L1', priced('CAP-35UF', 1, 4_500), CONSENT_1, { serialNo: 'SN-778', batchNo: 'B-2026-04' })]);
  });

  it('records labour as a charge', () => {
    order.given(onSite).when(addCharge('LAB-DIAG', 1)).then([chargeAdded('L1', priced('LAB-DIAG', 1, 5_000), CONSENT_1)]);
  });

  it('numbers lines in order, counting voided ones', () => {
    const history = [...onSite, partUsed('L1', priced('CAP-35UF', 1, 4_500), CONSENT_1), lineVoided('L1', 4_500)];
    order.given(history).when(addCharge('FEE-VISIT', 1)).then([chargeAdded('L2', priced('FEE-VISIT', 1, 2_000), CONSENT_1)]);
    order
      .given([...history, chargeAdded('L2', priced('FEE-VISIT', 1, 2_000), CONSENT_1)])
      .when(usePart('CAP-35UF', 1))
      .then([partUsed('L3', priced('CAP-35UF', 1, 4_500), CONSENT_1)]);
  });

  it('refuses parts and charges before the engineer checks in', () => {
    order.given(dispatched).when(usePart('CAP-35UF', 1)).thenFails('ORDER_NOT_CHECKED_IN');
    order.given(dispatched).when(addCharge('LAB-DIAG', 1)).thenFails('ORDER_NOT_CHECKED_IN');
  });

  it.each(['LAB-DIAG', 'FEE-VISIT'])('refuses %s, which is no part, as a part', (code) => {
    order.given(onSite).when(usePart(code, 1)).thenFails('ITEM_KIND_MISMATCH');
  });

  it.each(['CAP-35UF', 'GAS-R32'])('refuses %s, which is a part, as a charge', (code) => {
    order.given(onSite).when(addCharge(code, 1)).thenFails('ITEM_KIND_MISMATCH');
  });

  it('refuses an item that is not on the card', () => {
    order.given(onSite).when(usePart('CAP-99UF', 1)).thenFails('RATE_CARD_ITEM_NOT_FOUND');
  });

  it('refuses a part when no rate card is in force', () => {
    order.given(onSite).when(withCard(usePart('CAP-35UF', 1), null)).thenFails('RATE_CARD_NOT_FOUND');
  });

  it('refuses a quantity that is not a positive whole number', () => {
    order.given(onSite).when(usePart('CAP-35UF', 0)).thenFails('VALIDATION_FAILED');
    order.given(onSite).when(addCharge('LAB-DIAG', 0.5)).thenFails('VALIDATION_FAILED');
  });

  it('refuses a customer charge when the customer accepted no quote', () => {
    const unaccepted = [...quoted, engineerDispatched(VERIFIED), engineerCheckedIn(ON_SITE_AT, false)];
    order.given(unaccepted).when(usePart('CAP-35UF', 1)).thenFails('CHARGE_EXCEEDS_ACCEPTED_QUOTE', /accepted no quote/);
    order.given(unaccepted).when(addCharge('FEE-VISIT', 1)).thenFails('CHARGE_EXCEEDS_ACCEPTED_QUOTE');
  });

  it('refuses a single line above the accepted total', () => {
    order.given(onSite).when(usePart('CAP-35UF', 4)).thenFails('CHARGE_EXCEEDS_ACCEPTED_QUOTE', /18000 fen, above the 14000 fen/);
  });

  const capacitors = [...onSite, partUsed('L1', priced('CAP-35UF', 2, 9_000), CONSENT_1)];
  const atCeiling = [...capacitors, chargeAdded('L2', priced('LAB-DIAG', 1, 5_000), CONSENT_1)];

  it('allows charges that reach the accepted total exactly', () => {
    order.given(capacitors).when(addCharge('LAB-DIAG', 1)).then([chargeAdded('L2', priced('LAB-DIAG', 1, 5_000), CONSENT_1)]);
  });

  it('refuses the charge that would take the sum past the accepted total', () => {
    order.given(capacitors).when(addCharge('LAB-DIAG', 2)).thenFails('CHARGE_EXCEEDS_ACCEPTED_QUOTE', /19000 fen/);
    order.given(atCeiling).when(addCharge('FEE-VISIT', 1)).thenFails('CHARGE_EXCEEDS_ACCEPTED_QUOTE', /16000 fen, above the 14000 fen of accepted quote revision 1/);
  });

  it('frees the amount of a voided line under the accepted total', () => {
    order
      .given([...atCeiling, lineVoided('L1', 9_000)])
      .when(usePart('CAP-35UF', 2))
      .then([partUsed('L3', priced('CAP-35UF', 2, 9_000), CONSENT_1)]);
  });

  it('raises the ceiling for a revised quote only once the customer accepts it', () => {
    const revised = [...atCeiling, quoteIssued(2, [...QUOTE_1, priced('FEE-VISIT', 1, 2_000)], 16_000, 16_000)];
    order.given(revised).when(addCharge('FEE-VISIT', 1)).thenFails('CHARGE_EXCEEDS_ACCEPTED_QUOTE');
    order
      .given([...revised, quoteAccepted(2, 16_000)])
      .when(addCharge('FEE-VISIT', 1))
      .then([chargeAdded('L3', priced('FEE-VISIT', 1, 2_000), { quoteRevision: 2, ceilingFen: 16_000 })]);
  });

  it('refuses a charge from an engineer the order was not dispatched to', () => {
    order.given(onSite).when(addCharge('LAB-DIAG', 1, otherEngineer)).thenFails('FORBIDDEN');
  });

  it.each([
    ['completed', completed],
    ['cancelled', [...onSite, orderCancelled()]],
  ])('refuses parts and charges on a %s order', (_, history) => {
    order.given(history).when(usePart('CAP-35UF', 1)).thenFails('ORDER_NOT_OPEN');
    order.given(history).when(addCharge('FEE-VISIT', 1)).thenFails('ORDER_NOT_OPEN');
  });
});

describe('parts and charges on a package order', () => {
  it('bills a part to the funder without needing the customer consent', () => {
    order.given(packageOnSite).when(usePart('CAP-35UF', 2)).then([partUsed('L1', priced('CAP-35UF', 2, 9_000, 'brand'))]);
  });

  it('bills work beyond the package price to the funder too', () => {
    order
      .given([...packageOnSite, partUsed('L1', priced('CAP-35UF', 2, 9_000, 'brand'))])
      .when(addCharge('LAB-DIAG', 3))
      .then([chargeAdded('L2', priced('LAB-DIAG', 3, 15_000, 'brand'))]);
  });

  it('bills a platform-funded package to the platform', () => {
    const platformOnSite = [
      orderCreated({ package: { ...PACKAGE, fundedBy: 'platform' } }),
      engineerDispatched(VERIFIED),
      engineerCheckedIn(ON_SITE_AT, false),
    ];
    order.given(platformOnSite).when(addCharge('FEE-VISIT', 1)).then([chargeAdded('L1', priced('FEE-VISIT', 1, 2_000, 'platform'))]);
  });
});

describe('warranty work: lines marked payer brand', () => {
  const WARRANTY_UNTIL = '2026-06-01T00:00:00.000Z';
  const underWarranty = orderCreated({ product: { ...orderData().product, warrantyUntil: WARRANTY_UNTIL } });
  const asBrand = (command: OrderCommand): OrderCommand => ({ ...command, data: { ...command.data, payer: 'brand' } }) as OrderCommand;
  const warrantyLine = (event: OrderEvent, quoteRevision = 1): OrderEvent => ({ ...event, data: { ...event.data, warranty: { quoteRevision, warrantyUntil: WARRANTY_UNTIL } } }) as OrderEvent;
  // Quote revision 1: two capacitors under warranty (brand, 9,000 fen), one diagnosis for the customer (5,000 fen).
  const marked = (line: PricedLine): PricedLine => ({ ...line, warrantyWork: true });
  const WARRANTY_QUOTE = [marked(priced('CAP-35UF', 2, 9_000, 'brand')), priced('LAB-DIAG', 1, 5_000)];
  const warrantyQuoted: OrderEvent[] = [underWarranty, quoteIssued(1, WARRANTY_QUOTE, 5_000, 14_000)];
  const warrantyOnSite: OrderEvent[] = [...warrantyQuoted, engineerDispatched(VERIFIED), engineerCheckedIn(ON_SITE_AT, false)];
  const oneUnderWarranty = warrantyLine(partUsed('L1', priced('CAP-35UF', 1, 4_500, 'brand')));

  it('bills a quote line marked brand to the brand, leaving it out of the customer total', () => {
    order
      .given([underWarranty])
      .when(issueQuote([{ code: 'CAP-35UF', quantity: 2, payer: 'brand' }, { code: 'LAB-DIAG', quantity: 1 }]))
      .then([quoteIssued(1, WARRANTY_QUOTE, 5_000, 14_000)]);
  });

  it('refuses a quote line marked brand when the booking records no warranty', () => {
    const error = order
      .given(created)
      .when(issueQuote([{ code: 'LAB-DIAG', quantity: 1 }, { code: 'CAP-35UF', quantity: 1, payer: 'brand' }]))
      .thenFails('NOT_UNDER_WARRANTY', /no warranty/);
    expect(error.details).toEqual([expect.objectContaining({ field: 'lines[1].payer' })]);
  });

  it('refuses a quote line marked brand once the warranty has ended', () => {
    const expired = orderCreated({ product: { ...orderData().product, warrantyUntil: '2026-04-30T23:59:59.999Z' } });
    order
      .given([expired])
      .when(issueQuote([{ code: 'CAP-35UF', quantity: 1, payer: 'brand' }]))
      .thenFails('NOT_UNDER_WARRANTY', /ended at 2026-04-30T23:59:59.999Z/);
  });

  it('records a part the quote marks brand as the brand\'s, citing the quote and the warranty, without the customer consent', () => {
    // No quote was accepted: the customer pays nothing for warranty work.
    order.given(warrantyOnSite).when(asBrand(usePart('CAP-35UF', 1))).then([oneUnderWarranty]);
  });

  it('records a warranty line up to the quantity the quote marks, and no further', () => {
    order
      .given([...warrantyOnSite, oneUnderWarranty])
      .when(asBrand(usePart('CAP-35UF', 1)))
      .then([warrantyLine(partUsed('L2', priced('CAP-35UF', 1, 4_500, 'brand')))]);
    order
      .given([...warrantyOnSite, oneUnderWarranty])
      .when(asBrand(usePart('CAP-35UF', 2)))
      .thenFails('WARRANTY_LINE_NOT_QUOTED', /marks 2 x CAP-35UF as warranty work; 1 already recorded, 2 more asked/);
  });

  it('frees the quantity of a voided warranty line', () => {
    const full = [...warrantyOnSite, warrantyLine(partUsed('L1', priced('CAP-35UF', 2, 9_000, 'brand')))];
    order.given(full).when(asBrand(usePart('CAP-35UF', 1))).thenFails('WARRANTY_LINE_NOT_QUOTED');
    order
      .given([...full, lineVoided('L1', 9_000, 'brand')])
      .when(asBrand(usePart('CAP-35UF', 1)))
      .then([warrantyLine(partUsed('L2', priced('CAP-35UF', 1, 4_500, 'brand')))]);
  });

  it('refuses a warranty line for an item the quote bills to the customer, or with no quote at all', () => {
    order.given(warrantyOnSite).when(asBrand(addCharge('LAB-DIAG', 1))).thenFails('WARRANTY_LINE_NOT_QUOTED', /marks 0 x LAB-DIAG/);
    order
      .given([underWarranty, engineerDispatched(VERIFIED), engineerCheckedIn(ON_SITE_AT, false)])
      .when(asBrand(usePart('CAP-35UF', 1)))
      .thenFails('WARRANTY_LINE_NOT_QUOTED', /has no quote/);
  });

  it('goes by the latest quote: a revision that no longer marks the item ends its warranty cover', () => {
    const revised = [...warrantyOnSite, quoteIssued(2, [priced('CAP-35UF', 2, 9_000), priced('LAB-DIAG', 1, 5_000)], 14_000, 14_000)];
    const error = order.given(revised).when(asBrand(usePart('CAP-35UF', 1))).thenFails('WARRANTY_LINE_NOT_QUOTED', /quote revision 2 marks 0/);
    expect(error.details![0]!.message).toMatch(/CAP-35UF: 0 left/);
    // A revision marking fewer than are already recorded leaves none, never a negative count.
    const twoUnderWarranty = [oneUnderWarranty, warrantyLine(partUsed('L2', priced('CAP-35UF', 1, 4_500, 'brand')))];
    const fewer = [...warrantyOnSite, ...twoUnderWarranty, quoteIssued(2, [marked(priced('CAP-35UF', 1, 4_500, 'brand'))], 0, 4_500)];
    const none = order.given(fewer).when(asBrand(usePart('CAP-35UF', 1))).thenFails('WARRANTY_LINE_NOT_QUOTED');
    expect(none.details![0]!.message).toMatch(/CAP-35UF: 0 left/);
  });

  it('refuses a warranty line on site once the warranty has ended, even though the quote marked it', () => {
    const endsBeforeVisit = orderCreated({ product: { ...orderData().product, warrantyUntil: '2026-05-02T00:00:00.000Z' } });
    const history = [endsBeforeVisit, quoteIssued(1, WARRANTY_QUOTE, 5_000, 14_000), engineerDispatched(VERIFIED), engineerCheckedIn(ON_SITE_AT, false)];
    const error = order.given(history).when(asBrand(usePart('CAP-35UF', 1))).thenFails('NOT_UNDER_WARRANTY', /ended at 2026-05-02/);
    expect(error.details).toEqual([expect.objectContaining({ field: 'payer' })]);
  });

  it('keeps the customer lines under the consent rule beside the warranty lines', () => {
    order.given([...warrantyOnSite, oneUnderWarranty]).when(addCharge('LAB-DIAG', 1)).thenFails('CHARGE_EXCEEDS_ACCEPTED_QUOTE', /accepted no quote/);
    order
      .given([...warrantyOnSite, oneUnderWarranty, quoteAccepted(1, 5_000)])
      .when(addCharge('LAB-DIAG', 1))
      .then([chargeAdded('L2', priced('LAB-DIAG', 1, 5_000), { quoteRevision: 1, ceilingFen: 5_000 })]);
  });

  it('bills warranty work on a platform-funded package to the brand', () => {
    const platformPackage = orderCreated({ package: { ...PACKAGE, fundedBy: 'platform' }, product: { ...orderData().product, warrantyUntil: WARRANTY_UNTIL } });
    order
      .given([platformPackage])
      .when(issueQuote([{ code: 'CAP-35UF', quantity: 1, payer: 'brand' }, { code: 'FEE-VISIT', quantity: 1 }]))
      .then([quoteIssued(1, [marked(priced('CAP-35UF', 1, 4_500, 'brand')), priced('FEE-VISIT', 1, 2_000, 'platform')], 0, 6_500)]);
  });

  it('counts on a package the brand funds only the lines the quote marked, though every line is the brand\'s', () => {
    const brandPackage = orderCreated({ package: PACKAGE, product: { ...orderData().product, warrantyUntil: WARRANTY_UNTIL } });
    const history = [brandPackage, quoteIssued(1, [priced('CAP-35UF', 2, 9_000, 'brand')], 0, 9_000), engineerDispatched(VERIFIED), engineerCheckedIn(ON_SITE_AT, false)];
    order.given(history).when(asBrand(usePart('CAP-35UF', 1))).thenFails('WARRANTY_LINE_NOT_QUOTED', /marks 0 x CAP-35UF/);
    // Not marked, the part is the package's like any other: billed to its funder without a warranty reference.
    order.given(history).when(usePart('CAP-35UF', 1)).then([partUsed('L1', priced('CAP-35UF', 1, 4_500, 'brand'))]);
  });
});

describe('voiding a line', () => {
  const charged = [...onSite, partUsed('L1', priced('CAP-35UF', 2, 9_000), CONSENT_1)];

  it('voids a standing line with its amount and payer', () => {
    order.given(charged).when(voidLine('L1', 'wrong capacitor')).then([lineVoided('L1', 9_000, 'customer', 'wrong capacitor')]);
  });

  it('voids a package line with the funder as payer', () => {
    order
      .given([...packageOnSite, partUsed('L1', priced('CAP-35UF', 2, 9_000, 'brand'))])
      .when(voidLine('L1'))
      .then([lineVoided('L1', 9_000, 'brand')]);
  });

  it('marks the line voided in state, keeping it', () => {
    expect(stateAfter([...charged, lineVoided('L1', 9_000, 'customer', 'wrong capacitor')])).toMatchObject({
      lines: [expect.objectContaining({ lineId: 'L1', amountFen: 9_000, voided: { reason: 'wrong capacitor' }, source: 'PartUsed' })],
    });
  });

  it('does not find a line that was never recorded', () => {
    order.given(charged).when(voidLine('L2')).thenFails('NOT_FOUND', /ord-1\/L2/);
  });

  it('refuses voiding a line twice', () => {
    order.given([...charged, lineVoided('L1', 9_000)]).when(voidLine('L1')).thenFails('LINE_ALREADY_VOIDED', /entered twice/);
  });
});

describe('completing an order', () => {
  it('completes an order the engineer is on, naming the engineer', () => {
    order.given(onSite).when(completeOrder('fixed')).then([orderCompleted('fixed')]);
  });

  it('keeps the notes', () => {
    const command = completeOrder('not_fixed');
    order
      .given(onSite)
      .when({ ...command, data: { outcome: 'not_fixed', notes: 'compressor needs replacing' } } as OrderCommand)
      .then([{ type: 'OrderCompleted', data: { orderId: ORDER_ID, engineerId: 'eng-1', outcome: 'not_fixed', notes: 'compressor needs replacing' } }]);
  });

  it('refuses completion before the engineer checks in', () => {
    order.given(dispatched).when(completeOrder()).thenFails('ORDER_NOT_CHECKED_IN');
  });

  it.each([
    ['completed', completed],
    ['cancelled', [...onSite, orderCancelled()]],
  ])('refuses completing a %s order', (_, history) => {
    order.given(history).when(completeOrder()).thenFails('ORDER_NOT_OPEN');
  });
});

describe('payments on an order the customer pays', () => {
  // Charges 9,000 fen under an accepted quote of 14,000 fen: before completion the customer may
  // prepay up to the 14,000 accepted; once completed, no charge can be added and 9,000 is due.
  const inService: OrderEvent[] = [...onSite, partUsed('L1', priced('CAP-35UF', 2, 9_000), CONSENT_1)];

  it('records a payment after completion', () => {
    order.given(completed).when(recordPayment(9_000)).then([paymentRecorded('P1', 9_000)]);
  });

  it('numbers payments in order', () => {
    order.given([...completed, paymentRecorded('P1', 4_000)]).when(recordPayment(5_000, customer, 'wx-2')).then([paymentRecorded('P2', 5_000, 'wx-2')]);
  });

  it('takes prepayment up to the accepted total and no further before completion', () => {
    order.given(inService).when(recordPayment(14_000)).then([paymentRecorded('P1', 14_000)]);
    order.given(inService).when(recordPayment(14_001)).thenFails('PAYMENT_EXCEEDS_AMOUNT_DUE', /14001 fen; the customer owes at most 14000 fen/);
  });

  it('takes no more than the standing charges once the order is completed', () => {
    order.given(completed).when(recordPayment(9_001)).thenFails('PAYMENT_EXCEEDS_AMOUNT_DUE', /9001 fen; the customer owes at most 9000 fen/);
    order.given([...completed, paymentRecorded('P1', 9_000)]).when(recordPayment(1)).thenFails('PAYMENT_EXCEEDS_AMOUNT_DUE');
  });

  it('counts earlier payments', () => {
    const paid = [...inService, paymentRecorded('P1', 10_000)];
    order.given(paid).when(recordPayment(4_001)).thenFails('PAYMENT_EXCEEDS_AMOUNT_DUE');
    order.given(paid).when(recordPayment(4_000)).then([paymentRecorded('P2', 4_000)]);
  });

  it('counts refunds back against payments', () => {
    order
      .given([...inService, paymentRecorded('P1', 14_000), refundRecorded('R1', 5_000)])
      .when(recordPayment(5_000))
      .then([paymentRecorded('P2', 5_000)]);
    // Prepaid 14,000, completed at 9,000: the 5,000 above the bill goes back, and nothing more comes in.
    const settled = [...inService, paymentRecorded('P1', 14_000), orderCompleted(), refundRecorded('R1', 5_000)];
    order.given(settled).when(recordPayment(1)).thenFails('PAYMENT_EXCEEDS_AMOUNT_DUE', /at most 9000 fen/);
  });

  it('refuses any payment when nothing is owed', () => {
    order.given(created).when(recordPayment(1)).thenFails('PAYMENT_EXCEEDS_AMOUNT_DUE', /at most 0 fen/);
  });

  it.each([0, -100, 12.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses an amount of %p fen', (amountFen) => {
    const error = order.given(completed).when(recordPayment(amountFen)).thenFails('VALIDATION_FAILED');
    expect(error.details).toEqual([expect.objectContaining({ field: 'amountFen' })]);
  });

  it('refuses payments on a cancelled order', () => {
    order.given(cancelled).when(recordPayment(1_000)).thenFails('ORDER_NOT_OPEN');
  });

  it('tracks what was paid in state', () => {
    expect(stateAfter([...completed, paymentRecorded('P1', 10_000), paymentRecorded('P2', 4_000)])).toMatchObject({ paidFen: 14_000, payments: 2 });
  });
});

describe('payments on a package order', () => {
  it('takes the package price once', () => {
    order.given(packageCreated).when(recordPayment(19_900)).then([paymentRecorded('P1', 19_900)]);
  });

  it('refuses a payment beyond the package price', () => {
    order.given(packageCreated).when(recordPayment(19_901)).thenFails('PACKAGE_NO_EXTRA_CUSTOMER_CHARGE', /19900 fen; the customer would pay 19901 fen/);
    order.given([...packageCreated, paymentRecorded('P1', 19_900)]).when(recordPayment(1)).thenFails('PACKAGE_NO_EXTRA_CUSTOMER_CHARGE');
  });

  it('refuses an extra customer payment even when the work cost more than the package', () => {
    const costly = [...packageOnSite, chargeAdded('L1', priced('LAB-DIAG', 5, 25_000, 'brand')), paymentRecorded('P1', 19_900)];
    order.given(costly).when(recordPayment(5_100)).thenFails('PACKAGE_NO_EXTRA_CUSTOMER_CHARGE');
  });

  it('lets the customer pay again what was refunded', () => {
    order
      .given([...packageCreated, paymentRecorded('P1', 19_900), refundRecorded('R1', 19_900)])
      .when(recordPayment(19_900))
      .then([paymentRecorded('P2', 19_900)]);
  });
});

describe('refunds', () => {
  const paid = [...completed, paymentRecorded('P1', 9_000)];

  it('refunds up to what was paid', () => {
    order.given(paid).when(recordRefund(9_000)).then([refundRecorded('R1', 9_000)]);
  });

  it('refuses a refund above the payments received', () => {
    order.given(paid).when(recordRefund(9_001)).thenFails('REFUND_EXCEEDS_PAYMENTS', /9001 fen; payments received are 9000 fen/);
    order.given(completed).when(recordRefund(1)).thenFails('REFUND_EXCEEDS_PAYMENTS');
  });

  it('counts earlier refunds', () => {
    const refunded = [...paid, refundRecorded('R1', 5_000)];
    order.given(refunded).when(recordRefund(4_001)).thenFails('REFUND_EXCEEDS_PAYMENTS', /9001 fen/);
    order.given(refunded).when(recordRefund(4_000)).then([refundRecorded('R2', 4_000)]);
  });

  it('refunds a payment on a cancelled order', () => {
    order.given([...accepted, paymentRecorded('P1', 5_000), orderCancelled()]).when(recordRefund(5_000)).then([refundRecorded('R1', 5_000)]);
  });

  it.each([0, -1, 0.5])('refuses an amount of %p fen', (amountFen) => {
    order.given(paid).when(recordRefund(amountFen)).thenFails('VALIDATION_FAILED');
  });

  it('tracks what was refunded in state', () => {
    expect(stateAfter([...paid, refundRecorded('R1', 5_000), refundRecorded('R2', 1_000)])).toMatchObject({ paidFen: 9_000, refundedFen: 6_000, refunds: 2 });
  });
});

describe('rating an order', () => {
  it('rates a completed order, recording the engineer who did the work', () => {
    order.given(completed).when(rateOrder(4)).then([orderRated(4, 'eng-1')]);
  });

  it('keeps the comment', () => {
    order
      .given(completed)
      .when(rateOrder(5, customer, '师傅很专业'))
      .then([{ type: 'OrderRated', data: { orderId: ORDER_ID, engineerId: 'eng-1', stars: 5, comment: '师傅很专业' } }]);
  });

  it('refuses a rating before completion', () => {
    order.given(onSite).when(rateOrder(5)).thenFails('ORDER_NOT_COMPLETED');
  });

  it('refuses a second rating', () => {
    order.given([...completed, orderRated(4)]).when(rateOrder(1)).thenFails('ALREADY_RATED', /4 stars/);
  });

  it('refuses a rating on a cancelled order', () => {
    order.given(cancelled).when(rateOrder(1)).thenFails('ORDER_NOT_OPEN');
  });

  it('refuses a rating from another customer', () => {
    order.given(completed).when(rateOrder(1, otherCustomer)).thenFails('FORBIDDEN');
  });
});

describe('cancelling an order', () => {
  it('cancels an open order with the reason', () => {
    order.given(accepted).when(cancelOrder('duplicate booking')).then([orderCancelled('duplicate booking')]);
    expect(stateAfter([...accepted, orderCancelled('duplicate booking')])).toMatchObject({ status: 'cancelled', cancelReason: 'duplicate booking' });
  });

  it('cancels an order the engineer is on', () => {
    order.given(onSite).when(cancelOrder()).then([orderCancelled()]);
  });

  it('refuses cancelling a completed order', () => {
    order.given(completed).when(cancelOrder()).thenFails('ORDER_NOT_OPEN', /completed/);
  });

  it('refuses cancelling twice', () => {
    order.given(cancelled).when(cancelOrder()).thenFails('ORDER_NOT_OPEN', /cancelled/);
  });
});

describe('linking complaints', () => {
  it('links a complaint to the order', () => {
    order.given(completed).when(linkComplaint('cmp-1')).then([complaintLinked('cmp-1')]);
  });

  it('decides nothing when the same complaint is linked again', () => {
    order.given([...completed, complaintLinked('cmp-1')]).when(linkComplaint('cmp-1')).then([]);
  });

  it('links a second, different complaint', () => {
    order.given([...completed, complaintLinked('cmp-1')]).when(linkComplaint('cmp-2')).then([complaintLinked('cmp-2')]);
    expect(stateAfter([...completed, complaintLinked('cmp-1'), complaintLinked('cmp-2')])).toMatchObject({ complaints: ['cmp-1', 'cmp-2'] });
  });
});

describe('folding an order history', () => {
  it.each([
    quoteIssued(1, QUOTE_1, 14_000, 14_000),
    quoteAccepted(1, 14_000),
    engineerDispatched(VERIFIED),
    partUsed('L1', priced('CAP-35UF', 1, 4_500)),
    lineVoided('L1', 4_500),
    paymentRecorded('P1', 100),
    orderCancelled(),
  ])('ignores $type for an order that was never booked', (event) => {
    expect(orderDecider.evolve(orderDecider.initialState, event)).toEqual({ status: 'none' });
  });

  it('arrives at the state the events describe', () => {
    const history: OrderEvent[] = [
      ...onSite,
      partUsed('L1', priced('CAP-35UF', 2, 9_000), CONSENT_1),
      chargeAdded('L2', priced('LAB-DIAG', 1, 5_000), CONSENT_1),
      lineVoided('L1', 9_000),
      orderCompleted('fixed'),
      paymentRecorded('P1', 5_000),
      refundRecorded('R1', 1_000),
      orderRated(5),
      complaintLinked('cmp-1'),
    ];
    const state = stateAfter(history);
    expect(state).toEqual({
      ...orderData(),
      status: 'completed',
      quotes: [{ quoteRevision: 1, lines: QUOTE_1, customerTotalFen: 14_000, totalFen: 14_000 }],
      accepted: CONSENT_1,
      engineerId: 'eng-1',
      dispatchedAt: BOOKED_AT,
      checkedInAt: ON_SITE_AT,
      late: false,
      lines: [
        { ...priced('CAP-35UF', 2, 9_000), orderId: ORDER_ID, lineId: 'L1', consent: CONSENT_1, source: 'PartUsed', voided: { reason: 'entered twice' } },
        { ...priced('LAB-DIAG', 1, 5_000), orderId: ORDER_ID, lineId: 'L2', consent: CONSENT_1, source: 'ChargeAdded' },
      ],
      paidFen: 5_000,
      refundedFen: 1_000,
      payments: 1,
      refunds: 1,
      outcome: 'fixed',
      rating: { stars: 5 },
      complaints: ['cmp-1'],
    });
    expect(state.status !== 'none' && customerChargesFen(state)).toBe(5_000);
  });
});

// The charge trail -------------------------------------------------------------------------------

function recorded(event: { type: string; data: unknown }, position: bigint, stream: string, revision: number, actor: Actor = agent, reason?: string): RecordedEvent {
  return {
    eventId: `${stream}-${revision}`,
    type: event.type,
    schemaVersion: 1,
    stream,
    revision,
    position,
    recordedAt: `2026-05-04T${String(10 + revision).padStart(2, '0')}:00:00.000Z`,
    data: event.data,
    metadata: { actor, commandId: `cmd-${stream}-${revision}`, correlationId: `cmd-${stream}-${revision}`, causationId: `cmd-${stream}-${revision}`, ...(reason ? { reason } : {}) },
    prevHash: '0'.repeat(64),
    hash: '1'.repeat(64),
  };
}

const compensationPaid = (compensationId: string, amountFen: number, totalCompensatedFen: number) => ({
  type: 'CompensationPaid',
  data: { complaintId: 'cmp-1', compensationId, orderId: ORDER_ID, amountFen, reason: 'part billed above list price', approvedBy: supervisor, thresholdFen: 100_000, totalCompensatedFen },
});

const zero = { customer: 0, brand: 0, platform: 0 };

describe('the charge trail of an order the customer pays', () => {
  const ORDER = 'order-ord-1';
  const COMPLAINT = 'complaint-cmp-1';
  // Positions cross 9 -> 10 -> 100 so that ordering as text instead of as numbers would show.
  const orderEvents = [
    recorded(orderCreated(), 1n, ORDER, 0),
    recorded(quoteIssued(1, QUOTE_1, 14_000, 14_000), 2n, ORDER, 1),
    recorded(quoteAccepted(1, 14_000), 3n, ORDER, 2, customer),
    recorded(engineerDispatched(VERIFIED), 4n, ORDER, 3),
    recorded(engineerCheckedIn(ON_SITE_AT, false), 6n, ORDER, 4, engineer),
    recorded(partUsed('L1', priced('CAP-35UF', 2, 9_000), CONSENT_1), 7n, ORDER, 5, engineer),
    recorded(chargeAdded('L2', priced('LAB-DIAG', 1, 5_000), CONSENT_1), 8n, ORDER, 6, engineer),
    recorded(lineVoided('L1', 9_000), 10n, ORDER, 7, supervisor, 'customer supplied the capacitor'),
    recorded(paymentRecorded('P1', 5_000), 11n, ORDER, 8, customer),
    recorded(refundRecorded('R1', 2_000), 13n, ORDER, 9),
    recorded(complaintLinked('cmp-1'), 14n, ORDER, 10),
  ];
  const complaintEvents = [
    recorded(compensationPaid('comp-2', 3_000, 4_000), 100n, COMPLAINT, 2, supervisor),
    recorded(compensationPaid('comp-1', 1_000, 1_000), 9n, COMPLAINT, 1, supervisor),
    recorded({ type: 'ComplaintFiled', data: { complaintId: 'cmp-1', orderId: ORDER_ID } }, 5n, COMPLAINT, 0, customer),
  ];
  const trail = chargeTrail(orderEvents, complaintEvents);

  it('lists the money events of the order and the compensation of its complaints, in position order', () => {
    expect(trail.map((e) => [e.position, e.type])).toEqual([
      ['2', 'QuoteIssued'],
      ['3', 'QuoteAccepted'],
      ['7', 'PartUsed'],
      ['8', 'ChargeAdded'],
      ['9', 'CompensationPaid'],
      ['10', 'LineVoided'],
      ['11', 'PaymentRecorded'],
      ['13', 'RefundRecorded'],
      ['100', 'CompensationPaid'],
    ]);
  });

  it('keeps running totals per payer after each entry, voids subtracting the line they void', () => {
    expect(trail.map((e) => e.totals)).toEqual([
      { chargesFen: zero, paidFen: 0, refundedFen: 0, compensatedFen: 0, customerBalanceFen: 0, consentCeilingFen: null },
      { chargesFen: zero, paidFen: 0, refundedFen: 0, compensatedFen: 0, customerBalanceFen: 0, consentCeilingFen: 14_000 },
      { chargesFen: { ...zero, customer: 9_000 }, paidFen: 0, refundedFen: 0, compensatedFen: 0, customerBalanceFen: 9_000, consentCeilingFen: 14_000 },
      { chargesFen: { ...zero, customer: 14_000 }, paidFen: 0, refundedFen: 0, compensatedFen: 0, customerBalanceFen: 14_000, consentCeilingFen: 14_000 },
      { chargesFen: { ...zero, customer: 14_000 }, paidFen: 0, refundedFen: 0, compensatedFen: 1_000, customerBalanceFen: 14_000, consentCeilingFen: 14_000 },
      { chargesFen: { ...zero, customer: 5_000 }, paidFen: 0, refundedFen: 0, compensatedFen: 1_000, customerBalanceFen: 5_000, consentCeilingFen: 14_000 },
      { chargesFen: { ...zero, customer: 5_000 }, paidFen: 5_000, refundedFen: 0, compensatedFen: 1_000, customerBalanceFen: 0, consentCeilingFen: 14_000 },
      { chargesFen: { ...zero, customer: 5_000 }, paidFen: 5_000, refundedFen: 2_000, compensatedFen: 1_000, customerBalanceFen: 2_000, consentCeilingFen: 14_000 },
      { chargesFen: { ...zero, customer: 5_000 }, paidFen: 5_000, refundedFen: 2_000, compensatedFen: 4_000, customerBalanceFen: 2_000, consentCeilingFen: 14_000 },
    ]);
  });

  it('shows who did each thing, when, in which stream, and why', () => {
    const voided = trail.find((e) => e.type === 'LineVoided')!;
    expect(voided).toEqual({
      position: '10',
      stream: ORDER,
      revision: 7,
      eventId: 'order-ord-1-7',
      type: 'LineVoided',
      recordedAt: '2026-05-04T17:00:00.000Z',
      actor: supervisor,
      reason: 'customer supplied the capacitor',
      data: lineVoided('L1', 9_000).data,
      totals: expect.objectContaining({ chargesFen: { ...zero, customer: 5_000 } }),
    });
    const compensation = trail.find((e) => e.position === '9')!;
    expect(compensation).toMatchObject({ stream: COMPLAINT, revision: 1, actor: supervisor });
    expect(compensation).not.toHaveProperty('reason');
  });
});

describe('the timeline', () => {
  it('names the quote and the warranty a warranty line relied on', () => {
    const part: OrderEvent = {
      type: 'PartUsed',
      data: { ...priced('CAP-35UF', 1, 4_500, 'brand'), orderId: ORDER_ID, lineId: 'L1', warranty: { quoteRevision: 2, warrantyUntil: '2027-06-30T16:00:00.000Z' } },
    };
    const [entry] = timeline([recorded(part, 5n, 'order-ord-1', 4, engineer)], []);
    expect(entry!.facts).toBe('L1 CAP-35UF x1 = 4500 fen (brand, card midea.air_conditioner.ALL v3), warranty work marked in r2, warranty until 2027-06-30T16:00:00.000Z');
  });
});

describe('the charge trail of a cancelled order', () => {
  it('shows the cancellation, after which the order owes nothing and what was paid is the customer credit', () => {
    const ORDER = 'order-ord-1';
    const trail = chargeTrail(
      [
        recorded(packageOrderCreated(), 1n, ORDER, 0),
        recorded(paymentRecorded('P1', 19_900), 2n, ORDER, 1, customer),
        recorded(orderCancelled(), 3n, ORDER, 2),
        recorded(refundRecorded('R1', 19_900), 4n, ORDER, 3),
      ],
      [],
    );
    expect(trail.map((e) => [e.type, e.totals.customerBalanceFen])).toEqual([
      ['PaymentRecorded', 0],
      ['OrderCancelled', -19_900],
      ['RefundRecorded', 0],
    ]);
  });
});

describe('the charge trail of a package order', () => {
  const ORDER = 'order-ord-1';
  const trail = chargeTrail(
    [
      recorded(packageOrderCreated(), 1n, ORDER, 0),
      recorded(engineerDispatched(VERIFIED), 2n, ORDER, 1),
      recorded(paymentRecorded('P1', 19_900), 3n, ORDER, 2, customer),
      recorded(engineerCheckedIn(ON_SITE_AT, false), 4n, ORDER, 3, engineer),
      recorded(partUsed('L1', priced('CAP-35UF', 2, 9_000, 'brand')), 5n, ORDER, 4, engineer),
      recorded(chargeAdded('L2', priced('LAB-DIAG', 3, 15_000, 'brand')), 6n, ORDER, 5, engineer),
      recorded(lineVoided('L1', 9_000, 'brand'), 7n, ORDER, 6),
      recorded(refundRecorded('R1', 900), 8n, ORDER, 7),
    ],
    [],
  );

  it('charges the funder and holds the customer to the package price', () => {
    expect(trail.map((e) => [e.type, e.totals.chargesFen, e.totals.customerBalanceFen])).toEqual([
      ['PaymentRecorded', zero, 0],
      ['PartUsed', { ...zero, brand: 9_000 }, 0],
      ['ChargeAdded', { ...zero, brand: 24_000 }, 0],
      ['LineVoided', { ...zero, brand: 15_000 }, 0],
      ['RefundRecorded', { ...zero, brand: 15_000 }, 900],
    ]);
  });

  it('shows the package price as owed before anything is paid', () => {
    const unpaid = chargeTrail([recorded(packageOrderCreated(), 1n, ORDER, 0), recorded(quoteIssued(1, [priced('FEE-VISIT', 1, 2_000, 'brand')], 0, 2_000), 2n, ORDER, 1)], []);
    expect(unpaid.map((e) => e.totals.customerBalanceFen)).toEqual([19_900]);
  });
});
