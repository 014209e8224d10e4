/**
 * An order's life, and its complaints', as the people involved would live it: the agent books
 * and quotes, the customer accepts, an engineer is dispatched, arrives (sometimes late), works
 * from the rate card, completes; the customer pays, rates, sometimes complains. Each step is a
 * real command; the next step follows from what the command answered, so refusals are real
 * refusals and the lane carries on as a person would (picks another engineer, asks for a
 * revised quote, pays what is actually due).
 *
 * Some steps are attempts that the rules exist to stop: an engineer charging beyond the accepted
 * quote or off the rate card, cash asked on top of an all-inclusive package, a payment above the
 * bill, a refund above what was paid, an agent paying compensation a supervisor must approve,
 * an unverified or suspended engineer sent out. They are sent as they are; the handlers refuse them.
 */
import type { ComplaintRequest } from '../complaints/application/complaint.commands.js';
import type { ComplaintState, FiledComplaintState } from '../complaints/domain/complaint.decider.js';
import type { ComplaintCategory, LiableParty, ResolutionOutcome } from '../complaints/domain/complaint.events.js';
import type { Actor } from '../event-store/envelope.js';
import type { OrderRequest } from '../orders/application/order.commands.js';
import { customerChargesFen, customerPayableFen, type OpenOrder, type OrderState } from '../orders/domain/order.decider.js';
import type {
  CompletionOutcome,
  OrderCreated,
  PaymentMethod,
  QuoteIssued,
  ServicePackage,
  ServiceType,
} from '../orders/domain/order.events.js';
import type { ItemKind, RateCardItem } from '../rate-cards/domain/rate-card.events.js';
import {
  CANCEL_REASONS,
  type CategorySpec,
  CATEGORIES,
  CATEGORY_BY_CODE,
  COMPLAINT_TEXT,
  DAY,
  DISTRICTS,
  HOUR,
  MIN,
  mobileNumber,
  OFF_CARD_CHARGES,
  PACKAGE_SHARE,
  PAYMENT_MIX,
  RATING_COMMENTS,
  ROADS,
  roundFen,
  SEC,
  SERVICE_MIX,
  specOf,
  SURNAMES,
  BRANDS,
} from './catalogue.js';
import { keySequence, type Outcome } from './driver.js';
import { Rng } from './rng.js';
import type { Lane, Life, Step } from './scheduler.js';
import type { Completed, EngineerModel, World } from './world.js';

const ROUTES: Record<Exclude<OrderRequest['type'], 'LinkComplaint'>, string> = {
  CreateOrder: '/orders',
  IssueQuote: '/orders/:id/quote',
  AcceptQuote: '/orders/:id/quote/accept',
  DispatchEngineer: '/orders/:id/dispatch',
  CheckIn: '/orders/:id/check-in',
  UsePart: '/orders/:id/parts',
  AddCharge: '/orders/:id/charges',
  VoidLine: '/orders/:id/charges/:lineId/void',
  CompleteOrder: '/orders/:id/complete',
  RecordPayment: '/orders/:id/payments',
  RecordRefund: '/orders/:id/refunds',
  RateOrder: '/orders/:id/rating',
  CancelOrder: '/orders/:id/cancel',
};

const COMPLAINT_ROUTES: Record<ComplaintRequest['type'], string> = {
  AcknowledgeComplaint: '/complaints/:id/acknowledge',
  TransferComplaint: '/complaints/:id/transfer',
  CompensateComplaint: '/complaints/:id/compensate',
  EscalateComplaint: '/complaints/:id/escalate',
  ResolveComplaint: '/complaints/:id/resolve',
  ReopenComplaint: '/complaints/:id/reopen',
};

interface PlanLine {
  code: string;
  quantity: number;
  kind: ItemKind;
}

/** A part of a life that answers with a value. */
type Sub<T = void> = Generator<Step, T, Outcome>;

/** One order and what the simulation knows of it: the state the handlers answered with. */
class SimOrder {
  readonly id: string;
  readonly rng: Rng;
  state: OrderState = { status: 'none' };
  created!: OrderCreated['data'];
  category!: CategorySpec;
  customer!: Actor;
  plan: PlanLine[] = [];
  engineer?: EngineerModel;
  /** Advance compensation paid on all the order's complaints (the threshold counts them together). */
  compensatedFen = 0;
  complaints = 0;
  /** Someone tried to take more from the customer than the rules allow. */
  overchargeAttempted = false;
  private readonly nextKey: () => string;

  constructor(
    readonly w: World,
    readonly n: number,
    readonly lane: Lane,
  ) {
    this.id = `ord-${n}`;
    this.rng = new Rng(w.plan.seed, `order:${n}`);
    this.nextKey = keySequence(this.id);
  }

  get open(): OpenOrder {
    return this.state as OpenOrder;
  }

  get netPaidFen(): number {
    return this.state.status === 'none' ? 0 : this.open.paidFen - this.open.refundedFen;
  }

  agent(): Actor {
    return this.rng.pick(this.w.agents);
  }

  supervisor(): Actor {
    return this.rng.pick(this.w.supervisors);
  }

  /** An order command, sent as its controller would send it; the state is kept from the answer. */
  send(actor: Actor, request: OrderRequest, reason?: string): () => Promise<Outcome> {
    const key = this.nextKey();
    const route = ROUTES[request.type as keyof typeof ROUTES];
    return async () => {
      const outcome = await this.w.driver.order(this.id, actor, request, route, key, reason);
      if (outcome.ok) this.state = outcome.state;
      this.observe(request, outcome);
      return outcome;
    };
  }

  private observe(request: OrderRequest, outcome: Outcome<OrderState>): void {
    const seen = this.w.observed;
    const example = { n: this.n, orderId: this.id };
    if (!outcome.ok) {
      if (outcome.code === 'CHARGE_EXCEEDS_ACCEPTED_QUOTE') seen.example('refusedChargeBeyondQuote', example);
      else if (outcome.code === 'PACKAGE_NO_EXTRA_CUSTOMER_CHARGE') seen.example('refusedPackageExtra', example);
      else if (outcome.code === 'RATE_CARD_ITEM_NOT_FOUND') seen.example('refusedOffCardCharge', example);
      else if (outcome.code === 'ENGINEER_SUSPENDED' && request.type === 'CheckIn') {
        seen.example('suspendedOnSite', { ...example, ...(this.engineer ? { engineerId: this.engineer.id } : {}) });
      }
      return;
    }
    switch (request.type) {
      case 'CreateOrder':
        seen.ordersCreated++;
        if (request.data.package) seen.packageOrders++;
        if (request.data.repeatOf) {
          seen.repeatOrders++;
          seen.example('repeatVisit', example);
        }
        break;
      case 'IssueQuote':
        if ((outcome.events[0]?.data as QuoteIssued['data']).quoteRevision > 1) seen.revisedQuotes++;
        break;
      case 'AcceptQuote':
        if (request.data.quoteRevision > 1) seen.example('revisedQuote', example);
        break;
      case 'CheckIn':
        if (this.open.late) {
          seen.lateArrivals++;
          seen.example('lateArrival', example);
        }
        break;
      case 'CompleteOrder':
        if (this.open.package) seen.example('packageOrder', example);
        break;
      default:
        break;
    }
  }
}

// Creating the order -------------------------------------------------------------------------------

function newOrder(o: SimOrder, repeat: Completed | undefined): void {
  const { w, rng, n } = o;
  let customer: OrderCreated['data']['customer'];
  let product: OrderCreated['data']['product'];
  let serviceType: ServiceType;
  if (repeat) {
    // Back for the same appliance: mostly a repair after a visit that did not hold.
    customer = repeat.customer;
    product = repeat.product;
    serviceType = rng.chance(0.8) ? 'repair' : repeat.serviceType;
  } else {
    const city = rng.weighted(w.cityTable);
    const offered = w.categoriesOf(city).map((c) => c.code);
    const brand = rng.weighted(BRANDS.filter((b) => b.categories.some((c) => offered.includes(c))).map((b) => [b, b.weight] as const));
    const category = rng.weighted(brand.categories.filter((c) => offered.includes(c)).map((c) => [c, CATEGORY_BY_CODE.get(c)!.weight] as const));
    const spec = CATEGORY_BY_CODE.get(category)!;
    customer = {
      customerId: `cust-${n}`,
      name: `${rng.pick(SURNAMES)}${rng.chance(0.5) ? '先生' : '女士'}`,
      phone: mobileNumber(rng),
      city,
      address: `${rng.pick(DISTRICTS)}${rng.pick(ROADS)}${rng.int(1, 999)}号${rng.int(1, 30)}栋${rng.int(1, 32)}0${rng.int(1, 4)}室`,
    };
    product = {
      brand: brand.code,
      category,
      model: `${rng.pick(spec.models)}/${brand.code.slice(0, 2).toUpperCase()}${rng.int(1, 9)}`,
      ...(rng.chance(0.6) ? { serialNo: `${brand.code.slice(0, 3).toUpperCase()}${2019 + rng.int(0, 6)}${rng.digits(8)}` } : {}),
    };
    serviceType = rng.weighted(SERVICE_MIX);
    if (category === 'tv' && serviceType === 'clean') serviceType = 'repair';
  }
  o.category = CATEGORY_BY_CODE.get(product.category) ?? CATEGORIES[0]!;
  o.customer = { id: customer.customerId, role: 'customer' };

  // A two-hour window later today or on one of the next three days, in local business hours.
  const today = w.localMidnight(w.now);
  const hours = [8, 10, 13, 15, 17, 19];
  let from = 0;
  for (let tries = 0; tries < 10 && from <= w.now + 3 * HOUR; tries++) {
    const day = today + rng.weighted([[0, 12], [1, 50], [2, 28], [3, 10]] as const) * DAY;
    from = day + rng.pick(hours) * HOUR;
  }
  if (from <= w.now + 3 * HOUR) from = today + DAY + 10 * HOUR;
  const appointment = { from: w.iso(from), to: w.iso(from + 2 * HOUR) };

  o.plan = planFor(rng, o.category, serviceType);
  o.created = { orderId: o.id, customer, product, serviceType, appointment };
  if (rng.chance(PACKAGE_SHARE[serviceType])) {
    const pkg = packageFor(o, serviceType);
    if (pkg) o.created.package = pkg;
  }
  if (repeat) o.created.repeatOf = repeat.orderId;
}

function planFor(rng: Rng, category: CategorySpec, service: ServiceType): PlanLine[] {
  const lines: PlanLine[] = [];
  const add = (code: string, quantity?: number) => {
    const spec = specOf(category, code);
    if (lines.some((l) => l.code === code)) return;
    lines.push({ code, kind: spec[2], quantity: quantity ?? rng.int(spec[5], spec[6]) });
  };
  switch (service) {
    case 'repair': {
      if (rng.chance(0.85)) add('FEE-VISIT');
      add('LAB-DIAG');
      const parts = rng.weighted([[0, 5], [1, 40], [2, 35], [3, 20]] as const);
      for (let i = 0; i < parts; i++) {
        // Cheap parts fail more often than main boards and compressors.
        add(rng.weighted(category.repairParts.map((code) => [code, 1 / Math.sqrt(specOf(category, code)[4])] as const)));
      }
      if (rng.chance(0.6)) add(rng.pick(category.repairConsumables));
      if (rng.chance(0.85)) add('LAB-REPAIR');
      break;
    }
    case 'install':
      add('LAB-INSTALL');
      if (rng.chance(0.25)) {
        add('LAB-UNINSTALL');
        add('FEE-HAUL');
      }
      for (const code of category.kit) if (rng.chance(0.9)) add(code);
      if ((category.abbr === 'AC' || category.abbr === 'RH') && rng.chance(0.15)) add('FEE-HIGH');
      break;
    case 'clean':
      if (rng.chance(0.6)) add('FEE-VISIT');
      add('LAB-CLEAN');
      if (category.maintKit.length > 0 && rng.chance(0.4)) add(rng.pick(category.maintKit));
      break;
    case 'maintain':
      if (rng.chance(0.5)) add('FEE-VISIT');
      add('LAB-MAINT');
      if (category.maintKit.length > 0 && rng.chance(0.7)) add(rng.pick(category.maintKit));
      if (rng.chance(0.3)) add(rng.pick(category.repairConsumables));
      break;
    case 'inspect':
      add('FEE-VISIT');
      add('LAB-DIAG');
      break;
    case 'trade_in':
      add('LAB-UNINSTALL');
      add('FEE-HAUL');
      add('LAB-INSTALL');
      for (const code of category.kit) if (rng.chance(0.6)) add(code);
      break;
  }
  return lines;
}

/** The items of the card in force now for the order's brand, category and city. */
function itemsNow(o: SimOrder): Map<string, RateCardItem> | null {
  const { brand, category } = o.created.product;
  return o.w.itemsInForce(brand, category, o.created.customer.city, o.w.now);
}

/** The card's price of a line now (what the decider will compute), or null when the card has no such item. */
function amountOf(o: SimOrder, code: string, quantity: number): number | null {
  const item = itemsNow(o)?.get(code);
  return item ? item.unitPriceFen * quantity : null;
}

/** The card items a package's price is based on, by service. */
const PACKAGE_BASIS: Record<ServiceType, readonly string[]> = {
  install: ['LAB-INSTALL'],
  clean: ['LAB-CLEAN'],
  maintain: ['LAB-MAINT'],
  repair: ['LAB-DIAG', 'LAB-REPAIR', 'FEE-VISIT'],
  inspect: ['LAB-DIAG'],
  trade_in: ['LAB-INSTALL', 'LAB-UNINSTALL', 'FEE-HAUL'],
};

/** A one-price package for the service (一价全包): its main labour with a margin, priced like ¥199. */
function packageFor(o: SimOrder, service: ServiceType): ServicePackage | null {
  const items = itemsNow(o);
  if (!items) return null;
  const base = PACKAGE_BASIS[service].reduce((sum, code) => sum + (items.get(code)?.unitPriceFen ?? 0), 0);
  // base x 1.15, up to the next whole 10 yuan, less 1 yuan (integer fen).
  const withMargin = Math.floor((base * 115 + 99) / 100);
  return {
    code: `PKG-${o.category.abbr}-${service.toUpperCase().replace('_', '')}`,
    priceFen: Math.max(2_900, Math.ceil(withMargin / 1_000) * 1_000 - 100),
    fundedBy: o.rng.chance(0.6) ? 'brand' : 'platform',
  };
}

// The order's life ---------------------------------------------------------------------------------

export function orderLife(w: World, n: number, lane: Lane, repeat: Completed | undefined): Life {
  return life(new SimOrder(w, n, lane), repeat);
}

function* life(o: SimOrder, repeat: Completed | undefined): Life {
  const { w, rng } = o;
  newOrder(o, repeat);
  const created = yield o.send(o.agent(), { type: 'CreateOrder', data: o.created });
  if (!created.ok) return;
  const pkg = o.created.package;
  const fromMs = Date.parse(o.created.appointment.from);
  const toMs = Date.parse(o.created.appointment.to);

  if (pkg) {
    // 一价全包: paid once, in the app, when booking.
    yield rng.between(20 * SEC, 5 * MIN);
    yield* pay(o, pkg.priceFen, 'app');
  }

  // A quote shows the work in advance (所见即所得); on a package order its lines go to the funder
  // and the customer's total is 0, so most package orders get one as a statement of scope.
  const cancelAt = rng.chance(0.04) ? rng.weighted([['before_quote', 4], ['quoted', 3], ['accepted', 3]] as const) : null;
  if (!pkg || rng.chance(0.8)) {
    if (cancelAt === 'before_quote') return yield* cancel(o, rng.between(5 * MIN, 6 * HOUR));
    yield rng.between(MIN, 20 * MIN);
    const quoted = yield issueQuote(o, o.plan);
    if (!quoted.ok) return yield* cancel(o, rng.between(10 * MIN, HOUR), 'the work cannot be priced from a published card');
    if (cancelAt === 'quoted') return yield* cancel(o, rng.between(10 * MIN, DAY));
    if (!pkg || rng.chance(0.9)) {
      yield rng.chance(0.7) ? rng.between(2 * MIN, HOUR) : rng.between(HOUR, 8 * HOUR);
      if (!pkg && rng.chance(0.03)) return yield* cancel(o, rng.between(5 * MIN, 2 * HOUR), 'quote too high for the customer');
      const accepted = yield* accept(o);
      if (accepted && !pkg && rng.chance(0.3)) {
        // Prepaid online up to the accepted quote; settled against the bill after the visit.
        yield rng.between(30 * SEC, 10 * MIN);
        yield* pay(o, o.open.accepted!.ceilingFen, rng.chance(0.65) ? 'wechat' : 'alipay');
      }
    }
  }
  if (cancelAt) return yield* cancel(o, rng.between(30 * MIN, 12 * HOUR));

  // Dispatch a few hours ahead of the window.
  let dispatchAt = Math.min(w.now + rng.between(10 * MIN, 4 * HOUR), fromMs - rng.between(HOUR, 3 * HOUR));
  if (dispatchAt <= w.now) dispatchAt = w.now + rng.between(2 * MIN, 15 * MIN);
  yield w.until(dispatchAt);
  if (!(yield* dispatch(o))) return yield* cancel(o, rng.between(MIN, HOUR), 'no verified engineer available for the appointment');
  if (rng.chance(0.05) && fromMs - 30 * MIN > w.now + 10 * MIN) {
    // Reassigned before the visit (the first engineer's day filled up).
    yield w.until(Math.min(w.now + rng.between(10 * MIN, 2 * HOUR), fromMs - 30 * MIN));
    yield* dispatch(o, o.engineer);
  }

  // Arrival: on time mostly, late more often with worse engineers.
  const late = rng.chance(Math.min(0.45, 0.12 * (2 - o.engineer!.quality)));
  let arriveAt = late ? toMs + rng.between(5 * MIN, 2 * HOUR) : fromMs + rng.between(-25 * MIN, toMs - fromMs - 10 * MIN);
  if (arriveAt <= w.now) arriveAt = w.now + rng.between(5 * MIN, 30 * MIN);
  if (late && arriveAt - toMs > 40 * MIN && rng.chance(0.1)) {
    // The customer complains while still waiting.
    o.lane.spawn(complaintLife(o, 'waiting'), toMs + rng.between(10 * MIN, arriveAt - toMs - 20 * MIN));
  }
  yield w.until(arriveAt);
  for (let visit = 1; ; visit++) {
    const checkedIn = yield o.send(o.engineer!.actor, { type: 'CheckIn', data: {} });
    if (checkedIn.ok) break;
    // Suspended since the dispatch: stopped at the door; the desk sends someone else (rule 1, rule 7).
    if (checkedIn.code !== 'ENGINEER_SUSPENDED' || visit >= 4) return;
    yield rng.between(10 * MIN, 40 * MIN);
    if (!(yield* dispatch(o, o.engineer))) return yield* cancel(o, rng.between(MIN, HOUR), 'no verified engineer available for the appointment');
    yield rng.between(HOUR, 3 * HOUR);
  }
  const engineer = o.engineer!;

  // On site: the planned lines, with the usual variations.
  const outcome: CompletionOutcome =
    o.created.serviceType === 'repair'
      ? rng.chance(Math.min(0.4, 0.15 * (2 - engineer.quality))) ? 'not_fixed' : 'fixed'
      : o.created.serviceType === 'install' || o.created.serviceType === 'trade_in'
        ? 'installed'
        : 'done';
  let lines = outcome === 'not_fixed' ? o.plan.filter((l) => l.code === 'LAB-DIAG' || l.code === 'FEE-VISIT') : o.plan.slice();
  const parts = lines.filter((l) => l.kind === 'part' || l.kind === 'consumable');
  if (parts.length > 0 && rng.chance(0.08)) {
    const unused = rng.pick(parts);
    lines = lines.filter((l) => l !== unused);
  }
  // Diagnosis finds more to replace: the customer must accept a revised quote first (rule 3).
  const extra =
    outcome === 'fixed' && rng.chance(0.2)
      ? o.category.repairParts.map((code) => specOf(o.category, code)).find((s) => !o.plan.some((l) => l.code === s[0]) && rng.chance(0.5))
      : undefined;
  // The classic on-site overcharge: a fee no card lists (辅材费, 加急费 ...). Rule 2 refuses it.
  const offCard = rng.chance(0.02 * (2 - engineer.quality));
  for (let i = 0; i < lines.length; i++) {
    yield i === 0 ? rng.between(5 * MIN, 15 * MIN) : rng.between(3 * MIN, 20 * MIN);
    yield* recordLine(o, lines[i]!);
    if (i === 0 && offCard) {
      yield rng.between(3 * MIN, 10 * MIN);
      yield o.send(engineer.actor, { type: 'AddCharge', data: { code: rng.pick(OFF_CARD_CHARGES), quantity: 1 } });
      o.overchargeAttempted = true;
    }
    if (i === 0 && extra) {
      const added: PlanLine = { code: extra[0], kind: extra[2], quantity: 1 };
      if (!pkg) {
        if (rng.chance(0.45)) {
          // Fitted and billed before the customer agreed to the extra work.
          yield rng.between(5 * MIN, 15 * MIN);
          const billed = yield o.send(engineer.actor, { type: 'UsePart', data: { code: added.code, quantity: 1 } });
          if (billed.ok) continue;
          o.overchargeAttempted = true;
        }
        if (!(yield* revise(o, [...o.plan, added]))) continue;
      }
      lines.push(added);
    }
  }
  const recorded = o.open.lines;
  if (recorded.length > 0 && rng.chance(0.03)) {
    // Entered twice, voided by the desk.
    const twin = rng.pick(recorded);
    yield rng.between(2 * MIN, 10 * MIN);
    if (yield* recordLine(o, { code: twin.code, quantity: twin.quantity, kind: twin.kind })) {
      yield rng.between(2 * MIN, 30 * MIN);
      const duplicate = o.open.lines[o.open.lines.length - 1]!;
      yield o.send(o.agent(), { type: 'VoidLine', data: { lineId: duplicate.lineId, reason: 'entered twice' } }, 'entered twice');
    }
  }

  yield rng.between(5 * MIN, 40 * MIN);
  const notes = outcome === 'not_fixed' ? rng.pick(['part on back order', 'fault could not be reproduced', 'needs a second visit']) : undefined;
  const completed = yield o.send(engineer.actor, { type: 'CompleteOrder', data: { outcome, ...(notes ? { notes } : {}) } });
  if (!completed.ok) return;
  w.completedOrder({ n: o.n, orderId: o.id, atMs: w.now, outcome, customer: o.created.customer, product: o.created.product, serviceType: o.created.serviceType });

  if (!pkg) {
    // The bill: what the standing customer lines add up to, less what was prepaid.
    const due = customerChargesFen(o.open) - o.netPaidFen;
    if (due > 0) {
      yield rng.between(MIN, 30 * MIN);
      if (rng.chance(0.03 * (2 - engineer.quality))) {
        // Cash asked on top of the bill; the desk's record of it is refused (rule 5: never above what is due).
        const cap = customerPayableFen(o.open) - o.netPaidFen;
        yield* pay(o, cap + roundFen(rng.between(2_000, 20_000)), 'cash');
        o.overchargeAttempted = true;
        yield rng.between(2 * MIN, 10 * MIN);
      }
      const method = rng.weighted(PAYMENT_MIX);
      const split = due >= 2_000 && rng.chance(0.1) ? roundFen(Math.floor((due * rng.int(30, 70)) / 100)) : due;
      yield* pay(o, split, method);
      if (split < due) {
        yield rng.between(MIN, 10 * MIN);
        yield* pay(o, due - split, method === 'cash' ? 'wechat' : 'cash');
      }
    } else if (due < 0) {
      yield rng.between(10 * MIN, 6 * HOUR);
      yield* refund(o, -due, 'prepaid above the final bill');
    }
  } else if (rng.chance(0.05 * (2 - engineer.quality))) {
    // "Materials are extra": cash on top of an all-inclusive package. Rule 4 refuses it.
    yield rng.between(MIN, 15 * MIN);
    yield* pay(o, roundFen(rng.between(2_000, 15_000)), 'cash');
    o.overchargeAttempted = true;
  }

  // After the visit, each on its own clock.
  const wasLate = o.open.late === true;
  if (rng.chance(0.7)) {
    // Most customers rate within hours of the visit, a few days later.
    const after = rng.weighted([[[20 * MIN, 4 * HOUR], 6], [[4 * HOUR, DAY], 3], [[DAY, 3 * DAY], 1]] as const);
    o.lane.spawn(ratingLife(o, wasLate || outcome === 'not_fixed'), w.now + rng.between(after[0], after[1]));
  }
  if (o.open.lines.some((l) => !l.voided) && rng.chance(0.02)) o.lane.spawn(lateVoidLife(o), w.now + rng.between(HOUR, 2 * DAY));
  const complaintChance =
    0.05 * (2 - engineer.quality) * (wasLate ? 1.8 : 1) * (outcome === 'not_fixed' ? 2.5 : 1) + (o.overchargeAttempted ? 0.35 : 0);
  if (rng.chance(complaintChance)) {
    o.lane.spawn(complaintLife(o, 'after'), w.now + rng.between(HOUR, 4 * DAY));
    if (rng.chance(0.06)) o.lane.spawn(complaintLife(o, 'after'), w.now + rng.between(5 * DAY, 12 * DAY));
  }
}

/** An agent quotes the lines; the decider prices them from the card in force. */
function issueQuote(o: SimOrder, lines: readonly PlanLine[]): () => Promise<Outcome> {
  return o.send(o.agent(), { type: 'IssueQuote', data: { lines: lines.map(({ code, quantity }) => ({ code, quantity })) } });
}

/** The customer (or the agent for them) accepts the latest quote; now and then a stale screen offers an older one first. */
function* accept(o: SimOrder): Sub<boolean> {
  const { rng } = o;
  const latest = o.open.quotes.length;
  if (latest > 1 && rng.chance(0.04)) {
    yield o.send(o.customer, { type: 'AcceptQuote', data: { quoteRevision: latest - 1 } });
    yield rng.between(MIN, 5 * MIN);
  }
  const accepted = yield o.send(rng.chance(0.85) ? o.customer : o.agent(), { type: 'AcceptQuote', data: { quoteRevision: latest } });
  return accepted.ok;
}

/** A revised quote for more work, which the customer accepts (mostly) before it is charged. */
function* revise(o: SimOrder, lines: PlanLine[]): Sub<boolean> {
  const { rng } = o;
  yield rng.between(5 * MIN, 20 * MIN);
  const quoted = yield issueQuote(o, lines);
  if (!quoted.ok) return false;
  o.plan = lines;
  yield rng.between(2 * MIN, 15 * MIN);
  if (!rng.chance(0.85)) return false;
  return yield* accept(o);
}

/** Records a part or charge; when the consent does not cover it (prices rose since the quote), asks for a revised quote first. */
function* recordLine(o: SimOrder, line: PlanLine): Sub<boolean> {
  const { rng } = o;
  const amount = amountOf(o, line.code, line.quantity);
  if (amount === null) return false;
  const beyondConsent = () => customerChargesFen(o.open) + amount > (o.open.accepted?.ceilingFen ?? 0);
  if (!o.open.package && beyondConsent()) {
    if (!(yield* revise(o, o.plan))) return false;
    if (beyondConsent()) return false;
  }
  const engineer = o.engineer!.actor;
  if (line.kind === 'part' || line.kind === 'consumable') {
    const extra =
      line.kind === 'part' && rng.chance(0.3)
        ? { serialNo: `P${rng.digits(10)}` }
        : line.kind === 'consumable' && rng.chance(0.5)
          ? { batchNo: `B${rng.digits(6)}` }
          : {};
    return (yield o.send(engineer, { type: 'UsePart', data: { code: line.code, quantity: line.quantity, ...extra } })).ok;
  }
  return (yield o.send(engineer, { type: 'AddCharge', data: { code: line.code, quantity: line.quantity } })).ok;
}

/**
 * Dispatch (rule 1). Now and then the brand's service network nominates one of its engineers and
 * the desk sends them without looking: one still onboarding, with a lapsed or revoked
 * certificate, suspended, or (rarely) serving another category is refused, and the desk then
 * picks an engineer the dispatch screen shows as ready. Nobody ready: try again in an hour.
 */
function* dispatch(o: SimOrder, except?: EngineerModel): Sub<boolean> {
  const { w, rng } = o;
  const category = o.category.code;
  const city = o.created.customer.city;
  const dispatchTo = function* (e: EngineerModel): Sub<boolean> {
    const sent = yield o.send(o.agent(), { type: 'DispatchEngineer', data: { engineerId: e.id } });
    if (sent.ok) o.engineer = e;
    return sent.ok;
  };
  for (let attempt = 0; attempt < 24 * 21; attempt++) {
    const pool = w.pool(city, category).filter((e) => e !== except && e.registered);
    let nominee: EngineerModel | undefined;
    if (rng.chance(0.005)) {
      const others = CATEGORIES.flatMap((c) => (c.code === category ? [] : w.pool(city, c.code))).filter((e) => !e.categories.includes(category));
      if (others.length > 0) nominee = rng.pick(others);
    } else if (pool.length > 0 && rng.chance(0.15)) {
      nominee = rng.pick(pool);
    }
    if (nominee && !w.dispatchable(nominee, category, w.now)) {
      if (yield* dispatchTo(nominee)) return true;
      yield rng.between(2 * MIN, 10 * MIN);
    }
    const ready = pool.filter((e) => w.dispatchable(e, category, w.now));
    if (ready.length > 0 && (yield* dispatchTo(nominee && ready.includes(nominee) ? nominee : rng.pick(ready)))) return true;
    yield HOUR;
  }
  return false;
}

function* cancel(o: SimOrder, delay: number, reason?: string): Sub {
  const { rng } = o;
  yield delay;
  const why = reason ?? rng.pick(CANCEL_REASONS);
  const cancelled = yield o.send(o.agent(), { type: 'CancelOrder', data: { reason: why } }, why);
  if (!cancelled.ok) return;
  if (o.netPaidFen > 0) {
    yield rng.between(5 * MIN, 2 * HOUR);
    yield* refund(o, o.netPaidFen, 'order cancelled before the visit');
  }
  if (rng.chance(0.03)) o.lane.spawn(complaintLife(o, 'cancelled'), o.w.now + rng.between(HOUR, 2 * DAY));
}

const REFERENCE_PREFIX: Record<PaymentMethod, string> = { wechat: 'WX-42', alipay: 'ALI-20', card: 'POS-', cash: 'CASH-', bank_transfer: 'BANK-', app: 'APP-' };

function* pay(o: SimOrder, amountFen: number, method: PaymentMethod): Sub<boolean> {
  const reference = `${REFERENCE_PREFIX[method]}${o.rng.digits(10)}`;
  const paid = yield o.send(o.agent(), { type: 'RecordPayment', data: { amountFen, method, reference } });
  return paid.ok;
}

/** Returns money to the customer: never more than they have paid and not yet got back (rule 5). */
function* refund(o: SimOrder, amountFen: number, reason: string): Sub {
  const amount = Math.min(amountFen, o.netPaidFen);
  if (amount > 0) yield o.send(o.agent(), { type: 'RecordRefund', data: { amountFen: amount, reason } }, reason);
}

function* ratingLife(o: SimOrder, disappointed: boolean): Life {
  const { rng } = o;
  const quality = o.engineer?.quality ?? 1;
  const stars =
    disappointed || quality < 0.75
      ? rng.weighted([[1, 12], [2, 10], [3, 18], [4, 25], [5, 35]] as const)
      : rng.weighted([[1, 2], [2, 2], [3, 6], [4, 20], [5, 70]] as const);
  const comment = rng.chance(0.3) ? rng.pick(RATING_COMMENTS[stars]!) : undefined;
  const rated = yield o.send(o.customer, { type: 'RateOrder', data: comment ? { stars, comment } : { stars } });
  if (rated.ok && rng.chance(0.01)) {
    // The customer tries to change the rating a day later: a rating is given once (rule 7).
    yield rng.between(12 * HOUR, 2 * DAY);
    yield o.send(o.customer, { type: 'RateOrder', data: { stars: stars >= 3 ? stars - 2 : stars + 2 } });
  }
}

/** A line found wrong after the bill was paid: voided, and a customer's money returned. */
function* lateVoidLife(o: SimOrder): Life {
  const { rng } = o;
  const standing = o.open.lines.filter((l) => !l.voided);
  if (standing.length === 0) return;
  const line = rng.pick(standing);
  const reason = rng.pick(['part not actually replaced', 'charged at the wrong quantity', 'labour already covered']);
  const voided = yield o.send(o.agent(), { type: 'VoidLine', data: { lineId: line.lineId, reason } }, reason);
  if (voided.ok && line.payer === 'customer') {
    yield rng.between(10 * MIN, DAY);
    yield* refund(o, line.amountFen, `line ${line.lineId} voided`);
  }
}

// A complaint's life -------------------------------------------------------------------------------

class SimComplaint {
  state: ComplaintState = { status: 'none' };
  /** An agent's compensation was refused as at or above the threshold: the supervisor's approval follows. */
  agentRefused = false;
  private readonly nextKey: () => string;

  constructor(
    readonly o: SimOrder,
    readonly id: string,
    readonly category: ComplaintCategory,
  ) {
    this.nextKey = keySequence(id);
  }

  get filed(): FiledComplaintState {
    return this.state as FiledComplaintState;
  }

  /** The current owner, or (for an ownerless complaint) an agent who will take it. */
  owner(): Actor {
    const owner = this.filed.owner;
    return owner ? this.o.w.staffActor(owner) : this.o.agent();
  }

  file(actor: Actor, data: { description: string; claimedFen?: number }): () => Promise<Outcome> {
    const key = this.nextKey();
    return async () => {
      const outcome = await this.o.w.driver.fileComplaint(actor, { complaintId: this.id, orderId: this.o.id, category: this.category, ...data }, key);
      if (outcome.ok) {
        this.state = outcome.state;
        const seen = this.o.w.observed.complaintsByCategory;
        seen.set(this.category, (seen.get(this.category) ?? 0) + 1);
      }
      return outcome;
    };
  }

  send(actor: Actor, request: ComplaintRequest, reason?: string): () => Promise<Outcome> {
    const key = this.nextKey();
    return async () => {
      const outcome = await this.o.w.driver.complaint(actor, request, COMPLAINT_ROUTES[request.type], key, reason);
      if (outcome.ok) {
        this.state = outcome.state;
        if (request.type === 'CompensateComplaint') this.compensated(actor, request.data.amountFen);
      }
      return outcome;
    };
  }

  /** Counted as the rule counts it: the order's compensation on all its complaints, this payment included. */
  private compensated(actor: Actor, amountFen: number): void {
    const { o } = this;
    const seen = o.w.observed;
    o.compensatedFen += amountFen;
    seen.compensatedFen += amountFen;
    if (o.compensatedFen >= o.w.plan.thresholdFen) seen.compensationsAtOrAboveThreshold++;
    else seen.compensationsBelowThreshold++;
    const example = { n: o.n, orderId: o.id, complaintId: this.id };
    if (this.category === 'overcharge') seen.example('compensatedOvercharge', example);
    if (this.agentRefused && actor.role === 'supervisor') seen.example('supervisorCompensation', example);
  }
}

function* complaintLife(o: SimOrder, when: 'after' | 'waiting' | 'cancelled'): Life {
  const { w, rng } = o;
  const threshold = w.plan.thresholdFen;
  const order = o.open;
  const category: ComplaintCategory =
    when === 'waiting'
      ? rng.pick(['no_show', 'late'] as const)
      : when === 'cancelled'
        ? rng.pick(['conduct', 'other'] as const)
        : rng.weighted<ComplaintCategory>([
            ['overcharge', o.overchargeAttempted ? 150 : 22],
            ['workmanship', order.outcome === 'not_fixed' ? 60 : 18],
            ['late', order.late ? 60 : 4],
            ['damage', 10],
            ['fake_part', 6],
            ['conduct', 12],
            ['no_show', 2],
            ['other', 10],
          ]);
  const claimedFen = !rng.chance(0.55)
    ? undefined
    : category === 'damage'
      ? roundFen(rng.between(30_000, 400_000))
      : category === 'overcharge' && o.netPaidFen > 0
        ? Math.max(100, roundFen(Math.floor((o.netPaidFen * rng.int(20, 100)) / 100)))
        : roundFen(rng.between(5_000, 60_000));
  const c = new SimComplaint(o, `cmp-${o.n}-${++o.complaints}`, category);
  const filer = rng.chance(0.6) ? o.customer : o.agent();
  const filedAt = w.now;
  const filed = yield c.file(filer, { description: rng.pick(COMPLAINT_TEXT[category]), ...(claimedFen !== undefined ? { claimedFen } : {}) });
  if (!filed.ok) return;

  // 首问责任制: acknowledged within the 2-hour SLA mostly; the acknowledging agent owns a customer's complaint.
  yield rng.chance(0.85) ? rng.between(3 * MIN, 110 * MIN) : rng.between(2 * HOUR, 12 * HOUR);
  yield c.send(c.owner(), { type: 'AcknowledgeComplaint', data: { complaintId: c.id } });
  if (rng.chance(0.04)) {
    // Another agent tries to close it: only the owner (or a supervisor) may (rule 6).
    const other = w.agents.find((a) => a.id !== c.filed.owner && rng.chance(0.2)) ?? w.agents.find((a) => a.id !== c.filed.owner)!;
    yield rng.between(10 * MIN, 2 * HOUR);
    yield c.send(other, { type: 'ResolveComplaint', data: { complaintId: c.id, outcome: 'rejected', liableParty: 'none', notes: 'duplicate of an earlier ticket' } });
  }
  if (rng.chance(0.22)) {
    yield rng.between(20 * MIN, 8 * HOUR);
    const from = c.filed.owner;
    let to = rng.chance(0.2) ? o.supervisor() : o.agent();
    while (to.id === from) to = o.agent();
    const reason = rng.pick(['shift handover', 'needs the brand liaison desk', 'large claim: supervisor takes over']);
    yield c.send(c.owner(), { type: 'TransferComplaint', data: { complaintId: c.id, toActorId: to.id, reason } }, reason);
  }

  const amount = () =>
    claimedFen !== undefined
      ? roundFen(rng.chance(0.6) ? claimedFen : Math.floor((claimedFen * rng.int(30, 90)) / 100))
      : rng.chance(0.75)
        ? roundFen(rng.between(2_000, 60_000))
        : roundFen(rng.between(threshold, 3 * threshold));
  const compensate = function* (amountFen: number): Sub {
    // 先行赔付: the order's running total decides whether a supervisor must approve (rule 5).
    const reason = `advance compensation: ${category}`;
    const request: ComplaintRequest = { type: 'CompensateComplaint', data: { complaintId: c.id, amountFen, reason } };
    const owner = c.owner();
    if (o.compensatedFen + amountFen >= threshold) {
      if (owner.role === 'agent' && rng.chance(0.6)) {
        // The owner tries first, as agents do; the rule sends it up.
        const tried = yield c.send(owner, request, reason);
        if (tried.ok) return;
        c.agentRefused = true;
        yield rng.between(10 * MIN, 2 * HOUR);
      }
      yield c.send(owner.role === 'supervisor' ? owner : o.supervisor(), request, reason);
    } else {
      yield c.send(owner, request, reason);
    }
  };

  if (rng.chance(category === 'damage' ? 0.8 : category === 'overcharge' ? 0.6 : 0.4)) {
    yield rng.between(30 * MIN, 10 * HOUR);
    yield* compensate(amount());
  }
  if (rng.chance(0.22)) {
    yield rng.between(HOUR, 12 * HOUR);
    const reason = rng.pick(['customer threatens to go to the media', 'liability disputed by the brand', 'claim above the agent limit']);
    yield c.send(c.owner(), { type: 'EscalateComplaint', data: { complaintId: c.id, reason } }, reason);
  }

  // Resolved within the SLA (24 h, 72 h for a large claim) mostly; some overdue.
  const deadline = (claimedFen ?? 0) >= threshold ? 72 * HOUR : 24 * HOUR;
  let resolveAt = filedAt + (rng.chance(0.85) ? rng.between(2 * HOUR, deadline - 30 * MIN) : rng.between(deadline, Math.floor(deadline * 2.5)));
  if (resolveAt <= w.now) resolveAt = w.now + rng.between(10 * MIN, 2 * HOUR);
  yield w.until(resolveAt);
  const resolve = function* (notes?: string): Sub<ResolutionOutcome | null> {
    const outcome = rng.weighted<ResolutionOutcome>([['upheld', 45], ['partially_upheld', 25], ['rejected', 30]]);
    const liableParty: LiableParty =
      outcome === 'rejected'
        ? rng.chance(0.4) ? 'customer' : 'none'
        : category === 'fake_part'
          ? rng.pick(['brand', 'engineer'] as const)
          : category === 'other'
            ? rng.pick(['platform', 'brand'] as const)
            : rng.chance(0.8) ? 'engineer' : 'platform';
    const by = c.filed.escalated ? o.supervisor() : rng.chance(0.85) ? c.owner() : o.supervisor();
    const resolved = yield c.send(by, { type: 'ResolveComplaint', data: { complaintId: c.id, outcome, liableParty, ...(notes ? { notes } : {}) } });
    return resolved.ok ? outcome : null;
  };
  const outcome = yield* resolve();
  if (outcome && outcome !== 'rejected' && (category === 'overcharge' || category === 'fake_part') && o.netPaidFen > 0) {
    yield rng.between(10 * MIN, DAY);
    const paid = o.netPaidFen;
    const due = outcome === 'upheld' ? Math.min(claimedFen ?? paid, paid) : roundFen(Math.floor((paid * 30) / 100));
    if (rng.chance(0.12)) {
      // The claim, refunded in full on top of what was already returned: more than was ever paid (rule 5).
      const reason = `complaint ${c.id} ${outcome}`;
      yield o.send(o.agent(), { type: 'RecordRefund', data: { amountFen: paid + roundFen(rng.between(1_000, 20_000)), reason } }, reason);
      yield rng.between(5 * MIN, HOUR);
    }
    yield* refund(o, due, `complaint ${c.id} ${outcome}`);
  }
  if (rng.chance(0.14)) {
    yield rng.between(DAY, 7 * DAY);
    const reason = rng.pick(['customer disputes the outcome', 'the fault came back', 'new evidence from the customer']);
    yield c.send(rng.chance(0.85) ? c.owner() : o.supervisor(), { type: 'ReopenComplaint', data: { complaintId: c.id, reason } }, reason);
    if (rng.chance(0.3)) {
      yield rng.between(HOUR, 12 * HOUR);
      yield* compensate(amount());
    }
    yield rng.between(2 * HOUR, 2 * DAY);
    yield* resolve('reviewed after reopening');
  }
}
