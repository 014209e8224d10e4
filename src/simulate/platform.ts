/**
 * The platform's side of the simulation: the published rate cards and their price rises, the
 * engineers (registration, credentials checked by two parties, certificates that expire and are
 * renewed, revocations, suspensions), and the stream of new orders.
 */
import { credentialKey, type EngineerCommand } from '../engineers/domain/engineer.decider.js';
import type { CredentialKind, ProviderType, VerifyingParty } from '../engineers/domain/engineer.events.js';
import { rateCardId } from '../rate-cards/domain/rate-card.events.js';
import { BRANDS, CATEGORIES, CATEGORY_BY_CODE, cardItems, CITIES_WITH_OWN_CARDS, DAY, GIVEN, HOUR, MIN, mobileNumber, SURNAMES } from './catalogue.js';
import { keySequence } from './driver.js';
import { orderLife } from './order-life.js';
import { Rng } from './rng.js';
import { Lane, type Life } from './scheduler.js';
import type { CardModel, EngineerModel, World } from './world.js';

// Rate cards ---------------------------------------------------------------------------------------

/** A nationwide card per brand and category it makes; cards of their own, a little dearer, in the largest cities. */
export function planRateCards(w: World): CardModel[] {
  const rng = new Rng(w.plan.seed, 'rate-cards');
  const cards: CardModel[] = [];
  let key = 0;
  for (const brand of BRANDS) {
    for (const code of brand.categories) {
      const category = CATEGORY_BY_CODE.get(code)!;
      const levels: [string, number][] = [['*', brand.pricePermille]];
      for (const city of w.plan.cities.slice(0, CITIES_WITH_OWN_CARDS)) {
        if (rng.chance(0.35)) levels.push([city, permilleOf(brand.pricePermille, rng.int(1100, 1250))]);
      }
      for (const [city, permille] of levels) {
        const id = rateCardId(brand.code, code, city);
        const card: CardModel = { id, brand: brand.code, category, city, permille, versions: [], lane: new Lane(0, ++key) };
        w.cards.set(id, card);
        cards.push(card);
      }
    }
  }
  return cards;
}

function permilleOf(base: number, factor: number): number {
  return Math.floor((base * factor + 500) / 1000);
}

export function* rateCardLife(w: World, card: CardModel): Life {
  const rng = new Rng(w.plan.seed, `card:${card.id}`);
  // In force from the moment it is published: a card may not take effect in the past.
  yield* publish(w, card, w.clockMs, card.permille, 1);
  // Part way through, a quarter of the cards announce a price rise a few days ahead.
  if (!rng.chance(0.25)) return;
  yield w.until(w.plan.startMs + Math.round(w.spanMs * 0.45) + rng.between(0, 8 * HOUR));
  const permille = permilleOf(card.permille, rng.int(1030, 1080));
  yield* publish(w, card, w.localMidnight(w.now) + rng.int(2, 7) * DAY, permille, 2);
}

function* publish(w: World, card: CardModel, fromMs: number, permille: number, version: number): Life {
  const items = cardItems(card.category, permille);
  const effectiveFrom = w.iso(fromMs);
  const outcome = yield () =>
    w.driver.publishRateCard(
      w.admin,
      { rateCardId: card.id, brand: card.brand, category: card.category.code, city: card.city, effectiveFrom, items },
      `${card.id}-v${version}`,
    );
  if (outcome.ok) card.versions.push({ fromMs, items: new Map(items.map((i) => [i.code, i])) });
}

// Engineers ----------------------------------------------------------------------------------------

/** What happens to an engineer's paperwork during the run, planned up front. */
interface EngineerPlan {
  /** One of the first three of a city: always verified and active, so every category stays served. */
  core: boolean;
  rng: Rng;
  second: VerifyingParty;
  credentials: { kind: CredentialKind; category?: string; certificateNo: string; fromMs: number; untilMs: number }[];
  /** Index of a credential whose second check comes late (still onboarding), and when. */
  pendingAt?: { index: number; at: number };
  /** A certificate that expires during the run, and when it is renewed. */
  expiry?: { index: number; renewAt: number };
  revocation?: { index: number; at: number; reverifyAt: number };
  suspension?: { at: number; reinstateAt: number };
}

const plans = new WeakMap<EngineerModel, EngineerPlan>();

/**
 * Engineers per city in proportion to its work (about five jobs a day each), at least enough
 * that every category has two; each serves two to four categories, some a second city.
 */
export function planEngineers(w: World): EngineerModel[] {
  const rng = new Rng(w.plan.seed, 'engineers');
  const { cities } = w.plan;
  const totalWeight = w.cityTable.reduce((s, [, weight]) => s + weight, 0);
  const perDay = Math.min(w.plan.ordersPerDay, w.plan.orders);
  const start = w.plan.startMs;
  const span = w.spanMs;
  let n = 0;
  for (let c = 0; c < cities.length; c++) {
    const city = cities[c]!;
    const count = Math.max(6, Math.ceil((perDay * w.cityTable[c]![1]) / totalWeight / 5));
    for (let j = 0; j < count; j++) {
      const categories = new Set<string>();
      if (j < 5) {
        // The first five cover every category at least twice (the first three, every category once).
        for (let k = 0; k < 3; k++) categories.add(CATEGORIES[(j * 3 + k) % CATEGORIES.length]!.code);
      } else {
        const want = rng.weighted([[2, 4], [3, 4], [4, 2]] as const);
        while (categories.size < want) categories.add(rng.weighted(CATEGORIES.map((cat) => [cat.code, cat.weight] as const)));
      }
      const served = [city];
      if (c + 1 < cities.length && rng.chance(0.1)) served.push(cities[c + 1]!);
      const e = newEngineer(w, ++n, served, [...categories]);
      const own = new Rng(w.plan.seed, `engineer:${n}`);
      // The first three of a city are always verified and active, so every category stays served.
      const plan = planPaperwork(w, e, own, j >= 3, start, span);
      plans.set(e, plan);
      w.engineers.push(e);
      for (const s of served) {
        for (const category of e.categories) {
          const key = `${s}|${category}`;
          const list = w.serving.get(key);
          if (list) list.push(e);
          else w.serving.set(key, [e]);
        }
      }
    }
  }
  atLeast(w, start, span);
  planSuspensions(w);
  return w.engineers;
}

function newEngineer(w: World, n: number, cities: string[], categories: string[]): EngineerModel {
  const rng = new Rng(w.plan.seed, `engineer:${n}:profile`);
  const id = `eng-${n}`;
  return {
    id,
    actor: { id, role: 'engineer' },
    name: `${rng.pick(SURNAMES)}${rng.pick(GIVEN)}`,
    cities,
    categories,
    providerType: rng.weighted<ProviderType>([['manufacturer', 45], ['retailer', 25], ['independent', 22], ['individual', 8]]),
    quality: 0.6 + rng.next() * 0.8,
    registered: false,
    suspended: false,
    verifications: new Map(),
  };
}

function planPaperwork(w: World, e: EngineerModel, rng: Rng, mayLapse: boolean, start: number, span: number): EngineerPlan {
  // Each credential is checked by the platform and by the brand (manufacturer engineers) or the provider.
  const second: VerifyingParty = e.providerType === 'manufacturer' ? 'brand' : 'provider';
  const horizon = start + span + 400 * DAY;
  const base: { kind: CredentialKind; category?: string; certificateNo: string }[] = [
    { kind: 'real_name', certificateNo: `RN-${rng.digits(6)}${1970 + rng.int(0, 35)}${rng.digits(8)}` },
    { kind: 'safety', certificateNo: `T${rng.digits(17)}` },
    { kind: 'health', certificateNo: `JK-2025-${rng.digits(7)}` },
    ...e.categories.map((category) => ({ kind: 'skill' as const, category, certificateNo: `JN-${category.slice(0, 3).toUpperCase()}-${rng.digits(8)}` })),
  ];
  const credentials: EngineerPlan['credentials'] = base.map((c) => {
    const fromMs = w.localMidnight(start - rng.between(30 * DAY, 600 * DAY));
    return { ...c, fromMs, untilMs: Math.max(fromMs + 3 * 365 * DAY, horizon) };
  });
  const plan: EngineerPlan = { core: !mayLapse, rng, second, credentials };
  if (!mayLapse) return plan;
  if (rng.chance(0.06)) stillOnboarding(plan, start, span);
  else if (rng.chance(0.12)) expiring(plan, start, span);
  else if (rng.chance(0.02)) revoked(plan, start, span);
  return plan;
}

const within = (p: EngineerPlan, start: number, span: number, lo: number, hi: number) =>
  hourAfter(start + Math.round(span * (lo + p.rng.next() * (hi - lo))));

/** Still onboarding: one credential has one check; the second comes part way through the run. */
function stillOnboarding(p: EngineerPlan, start: number, span: number): void {
  p.pendingAt = { index: p.rng.int(0, p.credentials.length - 1), at: within(p, start, span, 0.15, 0.5) };
}

/** A certificate (most often the yearly health check) expires during the run; some are renewed in time, some lapse. */
function expiring(p: EngineerPlan, start: number, span: number): void {
  const { rng } = p;
  const index = rng.chance(0.7) ? 2 : rng.int(0, p.credentials.length - 1);
  const expiresAt = within(p, start, span, 0.15, 0.85);
  p.credentials[index]!.untilMs = expiresAt;
  const renewAt = rng.chance(0.55)
    ? expiresAt - rng.between(HOUR, 3 * DAY)
    : expiresAt + rng.between(6 * HOUR, Math.max(7 * HOUR, Math.min(10 * DAY, Math.round(span * 0.2))));
  p.expiry = { index, renewAt: Math.max(renewAt, start + 6 * HOUR) };
}

/** The safety certificate is revoked after an audit, and checked again days later. */
function revoked(p: EngineerPlan, start: number, span: number): void {
  const at = within(p, start, span, 0.2, 0.8);
  p.revocation = { index: 1, at, reverifyAt: at + p.rng.between(DAY, 7 * DAY) };
}

const untroubled = (p: EngineerPlan) => !p.core && !p.pendingAt && !p.expiry && !p.revocation && !p.suspension;

/** However small the run, a few engineers are onboarding, let a certificate expire or lose one, so dispatch has something to refuse. */
function atLeast(w: World, start: number, span: number): void {
  const rng = new Rng(w.plan.seed, 'paperwork');
  const wanted: [(p: EngineerPlan) => boolean, (p: EngineerPlan, start: number, span: number) => void, number][] = [
    [(p) => p.pendingAt !== undefined, stillOnboarding, 1],
    [(p) => p.expiry !== undefined, expiring, 2],
    [(p) => p.revocation !== undefined, revoked, 1],
  ];
  for (const [has, give, count] of wanted) {
    let missing = count - w.engineers.filter((e) => has(plans.get(e)!)).length;
    while (missing-- > 0) {
      const free = w.engineers.map((e) => plans.get(e)!).filter(untroubled);
      if (free.length === 0) return;
      give(rng.pick(free), start, span);
    }
  }
}

/** The first whole hour at or after `ms` (certificates and suspensions fall on the hour). */
function hourAfter(ms: number): number {
  return Math.ceil(ms / HOUR) * HOUR;
}

/** Suspensions: a few engineers per run, lifted after an investigation. */
function planSuspensions(w: World): void {
  const rng = new Rng(w.plan.seed, 'suspensions');
  const candidates = w.engineers.filter((e) => untroubled(plans.get(e)!));
  const count = Math.min(candidates.length, Math.max(2, Math.round(w.engineers.length / 80)));
  const span = w.spanMs;
  const start = w.plan.startMs;
  for (let i = 0; i < count; i++) {
    const e = candidates[rng.int(0, candidates.length - 1)]!;
    const p = plans.get(e)!;
    if (p.suspension) continue;
    const at = hourAfter(start + Math.round(span * (0.1 + rng.next() * 0.7)));
    p.suspension = { at, reinstateAt: at + Math.round(span * (0.01 + rng.next() * 0.05)) + rng.between(2 * HOUR, DAY) };
  }
}

const SUSPENSION_REASONS = ['overcharge complaint under investigation', 'safety certificate audit', 'conduct complaint under investigation'];
const REINSTATE_REASONS = ['investigation closed', 'audit passed', 'retrained and re-verified'];

export function* engineerLife(w: World, e: EngineerModel, lane: Lane): Life {
  const p = plans.get(e)!;
  const { rng } = p;
  const nextKey = keySequence(e.id);
  const send = (actor: typeof w.admin, command: EngineerCommand, route: string, reason?: string) => () =>
    w.driver.engineer(actor, command, route, nextKey(), reason);
  const agent = rng.pick(w.agents);
  const providerId =
    e.providerType === 'manufacturer'
      ? `${rng.pick(BRANDS).code}-svc-${e.cities[0]}`
      : e.providerType === 'retailer'
        ? rng.pick(['jd-home', 'suning-service', 'gome-service'])
        : e.providerType === 'independent'
          ? `svc-${e.cities[0]}-${rng.int(1, 40)}`
          : e.id;
  const registered = yield send(agent, {
    type: 'RegisterEngineer',
    data: { engineerId: e.id, name: e.name, phone: mobileNumber(rng), providerType: e.providerType, providerId, cities: e.cities, categories: e.categories },
  }, '/engineers');
  if (!registered.ok) return;
  e.registered = true;

  const verify = function* (index: number, party: VerifyingParty, fromMs: number, untilMs: number): Life {
    const c = p.credentials[index]!;
    const outcome = yield send(agent, {
      type: 'VerifyCredential',
      data: {
        engineerId: e.id,
        kind: c.kind,
        ...(c.category ? { category: c.category } : {}),
        verifiedBy: party,
        certificateNo: c.certificateNo,
        validFrom: w.iso(fromMs),
        validUntil: w.iso(untilMs),
      },
    }, '/engineers/:id/credentials');
    if (!outcome.ok) return;
    const key = credentialKey(c.kind, c.category);
    const parties = e.verifications.get(key) ?? new Map();
    parties.set(party, { fromMs, untilMs });
    e.verifications.set(key, parties);
  };

  for (let i = 0; i < p.credentials.length; i++) {
    const c = p.credentials[i]!;
    yield* verify(i, 'platform', c.fromMs, c.untilMs);
    if (p.pendingAt?.index !== i) yield* verify(i, p.second, c.fromMs, c.untilMs);
    yield rng.between(MIN, 4 * MIN);
  }

  if (p.pendingAt) {
    const { index, at } = p.pendingAt;
    lane.spawn((function* (): Life {
      const c = p.credentials[index]!;
      yield* verify(index, p.second, c.fromMs, c.untilMs);
    })(), at);
  }
  /** A renewed certificate: both parties check it, valid from today for `years`. */
  const renew = function* (index: number, years: number): Life {
    const c = p.credentials[index]!;
    c.certificateNo = `${c.certificateNo.split('/')[0]}/R1`;
    const fromMs = w.now;
    const untilMs = fromMs + years * 365 * DAY;
    yield* verify(index, 'platform', fromMs, untilMs);
    yield* verify(index, p.second, fromMs, untilMs);
  };
  if (p.expiry) {
    const { index, renewAt } = p.expiry;
    // A renewal: valid for a year (health) or three.
    lane.spawn(renew(index, p.credentials[index]!.kind === 'health' ? 1 : 3), renewAt);
  }
  if (p.revocation) {
    const { index, at, reverifyAt } = p.revocation;
    lane.spawn((function* (): Life {
      const c = p.credentials[index]!;
      const supervisor = rng.pick(w.supervisors);
      const reason = rng.pick(['certificate withdrawn by the issuing authority', 'safety audit: certificate could not be confirmed']);
      const outcome = yield send(supervisor, { type: 'RevokeCredential', data: { engineerId: e.id, kind: c.kind, reason, ...(c.category ? { category: c.category } : {}) } }, '/engineers/:id/credentials/:kind/revoke', reason);
      if (outcome.ok) e.verifications.delete(credentialKey(c.kind, c.category));
      yield w.until(reverifyAt);
      yield* renew(index, 3);
    })(), at);
  }
  if (p.suspension) {
    const { at, reinstateAt } = p.suspension;
    lane.spawn((function* (): Life {
      const supervisor = rng.pick(w.supervisors);
      const reason = rng.pick(SUSPENSION_REASONS);
      const suspended = yield send(supervisor, { type: 'SuspendEngineer', data: { engineerId: e.id, reason }, actor: supervisor }, '/engineers/:id/suspend', reason);
      if (!suspended.ok) return;
      e.suspended = true;
      yield w.until(reinstateAt);
      const why = rng.pick(REINSTATE_REASONS);
      const reinstated = yield send(supervisor, { type: 'ReinstateEngineer', data: { engineerId: e.id, reason: why }, actor: supervisor }, '/engineers/:id/reinstate', why);
      if (reinstated.ok) e.suspended = false;
    })(), at);
  }
}

// Arrivals -----------------------------------------------------------------------------------------

/**
 * New orders, busier by day than by night (local time), `ordersPerDay` on average; about one in
 * twenty is a repeat visit for an appliance serviced before. While `maxInFlight` orders are
 * open the desk takes no new ones, which bounds the simulation's memory.
 */
export function* arrivalsLife(w: World): Life {
  const rng = new Rng(w.plan.seed, 'arrivals');
  const meanGap = DAY / w.plan.ordersPerDay;
  let t = w.now;
  for (let n = 1; n <= w.plan.orders; n++) {
    if (n > 1) {
      const hour = w.localHour(t);
      // Night 0.15, evening 0.5, day 1.557: averages to 1 over a day.
      const busy = hour < 8 ? 0.15 : hour < 22 ? 1.557 : 0.5;
      t += Math.max(1, Math.round(rng.exp(meanGap / busy)));
    }
    if (t > w.now) yield t - w.now;
    while (w.ordersInFlight >= w.plan.maxInFlight) {
      yield w.scheduler.tickMs;
      t = w.now;
    }
    const repeat = rng.chance(0.05) ? w.pickRepeated(rng) : undefined;
    const lane = new Lane(1, n);
    lane.spawn(orderLife(w, n, lane, repeat), t);
    w.scheduler.add(lane);
    w.ordersSpawned++;
  }
}
