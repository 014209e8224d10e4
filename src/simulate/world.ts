import type { ComplaintCategory } from '../complaints/domain/complaint.events.js';
import { BASE_CREDENTIALS, credentialKey } from '../engineers/domain/engineer.decider.js';
import type { ProviderType, VerifyingParty } from '../engineers/domain/engineer.events.js';
import type { Actor } from '../event-store/envelope.js';
import type { CompletionOutcome, Customer, Product, ServiceType } from '../orders/domain/order.events.js';
import { type RateCardItem, rateCardId } from '../rate-cards/domain/rate-card.events.js';
import { type CategorySpec, CATEGORIES, DAY, HOUR, LOCAL_OFFSET, MIN } from './catalogue.js';
import type { Driver } from './driver.js';
import { arrivalsLife, engineerLife, planEngineers, planRateCards, rateCardLife } from './platform.js';
import { Rng } from './rng.js';
import { Lane, Scheduler, type Wave } from './scheduler.js';

/** The simulation as asked for, validated. */
export interface SimulationPlan {
  orders: number;
  seed: number;
  startMs: number;
  ordersPerDay: number;
  cities: readonly string[];
  /** The configured supervisor threshold of advance compensation (DESIGN rule 5). */
  thresholdFen: number;
  /** Most orders in flight at once; arrivals wait while the window is full. */
  maxInFlight: number;
}

/** A card as the simulation last published it: the catalogue's view, to price lines before sending them. */
export interface CardModel {
  id: string;
  brand: string;
  category: CategorySpec;
  city: string;
  permille: number;
  versions: { fromMs: number; items: Map<string, RateCardItem> }[];
  lane: Lane;
}

/** An engineer as the simulation knows them: what dispatch will find, kept in step with the commands that succeeded. */
export interface EngineerModel {
  id: string;
  actor: Actor;
  name: string;
  cities: string[];
  categories: string[];
  providerType: ProviderType;
  /** Below 1 worse, above 1 better than the average engineer: lateness, fixes, ratings, complaints. */
  quality: number;
  registered: boolean;
  suspended: boolean;
  /** Per credential key, per verifying party: the validity recorded. */
  verifications: Map<string, Map<VerifyingParty, { fromMs: number; untilMs: number }>>;
}

/** A completed order that a later one may repeat (a repeat visit for the same appliance). */
export interface Completed {
  n: number;
  orderId: string;
  atMs: number;
  outcome: CompletionOutcome;
  customer: Customer;
  product: Product;
  serviceType: ServiceType;
}

/** A notable order of the run, for a demo: the lowest-numbered order of each kind. */
export interface Example {
  n: number;
  orderId: string;
  complaintId?: string;
  engineerId?: string;
}

export const EXAMPLE_KINDS = {
  compensatedOvercharge: 'an overcharge complaint with advance compensation paid',
  supervisorCompensation: 'compensation at or above the threshold, approved by a supervisor after an agent was refused',
  refusedChargeBeyondQuote: 'an engineer charge refused: beyond the accepted quote (CHARGE_EXCEEDS_ACCEPTED_QUOTE)',
  refusedPackageExtra: 'an extra customer payment refused on an all-inclusive package (PACKAGE_NO_EXTRA_CUSTOMER_CHARGE)',
  refusedOffCardCharge: 'a charge refused: not on the rate card (RATE_CARD_ITEM_NOT_FOUND)',
  packageOrder: 'a completed all-inclusive package order',
  revisedQuote: 'a revised quote accepted before the extra work was charged',
  lateArrival: 'a late arrival',
  repeatVisit: 'a repeat visit',
  suspendedOnSite: 'an engineer stopped on site by a suspension, the order re-dispatched',
} as const;
export type ExampleKind = keyof typeof EXAMPLE_KINDS;

/** What happened, counted from the outcomes of the commands (never from the plan). */
export class Observed {
  ordersCreated = 0;
  packageOrders = 0;
  repeatOrders = 0;
  lateArrivals = 0;
  revisedQuotes = 0;
  readonly complaintsByCategory = new Map<ComplaintCategory, number>();
  compensationsBelowThreshold = 0;
  compensationsAtOrAboveThreshold = 0;
  compensatedFen = 0;
  readonly examples = new Map<ExampleKind, Example>();

  example(kind: ExampleKind, example: Example): void {
    const known = this.examples.get(kind);
    if (!known || example.n < known.n) this.examples.set(kind, example);
  }
}

const STAFF_AGENTS = 40;
const STAFF_SUPERVISORS = 8;
const TICK_MS = 5 * MIN;
/** Completions kept for repeat visits to choose from (older ones are forgotten). */
const COMPLETED_WINDOW = 10_000;

export interface WorldProgress {
  ordersCreated: number;
  ordersFinished: number;
}

export class World {
  readonly rng: Rng;
  readonly scheduler: Scheduler;
  /** The current tick, ms since the epoch. */
  now = 0;
  /** The application clock's instant in this wave (the tick plus its offset): what `recordedAt` will say. */
  clockMs = 0;
  readonly spanMs: number;
  readonly observed = new Observed();

  readonly agents: Actor[];
  readonly supervisors: Actor[];
  readonly admin: Actor = { id: 'admin-1', role: 'admin' };
  private readonly staff = new Map<string, Actor>();

  readonly cards = new Map<string, CardModel>();
  readonly engineers: EngineerModel[] = [];
  /** Engineers by `city|category`, in engineer order. */
  readonly serving = new Map<string, EngineerModel[]>();
  /** City weights, largest city first. */
  readonly cityTable: (readonly [string, number])[];

  ordersSpawned = 0;
  ordersFinished = 0;
  private readonly completed: Completed[] = [];
  private completedThisWave: Completed[] = [];

  constructor(
    readonly plan: SimulationPlan,
    readonly driver: Driver,
    setClock: (ms: number) => void,
  ) {
    this.rng = new Rng(plan.seed, 'world');
    const jitterSeed = plan.seed >>> 0;
    this.scheduler = new Scheduler(
      TICK_MS,
      (ms) => {
        this.clockMs = ms;
        setClock(ms);
      },
      (tick) => jitter(jitterSeed, tick, TICK_MS),
    );
    this.spanMs = Math.max(DAY, Math.round((plan.orders / plan.ordersPerDay) * DAY));
    this.agents = Array.from({ length: STAFF_AGENTS }, (_, i) => ({ id: `agent-${String(i + 1).padStart(2, '0')}`, role: 'agent' as const }));
    this.supervisors = Array.from({ length: STAFF_SUPERVISORS }, (_, i) => ({ id: `sup-${i + 1}`, role: 'supervisor' as const }));
    for (const a of [...this.agents, ...this.supervisors]) this.staff.set(a.id, a);
    // Zipf-like: the n-th city has about 1/(n+2) of the work.
    this.cityTable = plan.cities.map((c, i) => [c, 1 / (i + 2)] as const);
  }

  iso(ms: number): string {
    return new Date(ms).toISOString();
  }

  /** Milliseconds from now until `at` (never negative). */
  until(at: number): number {
    return Math.max(0, at - this.now);
  }

  /** Local midnight (China) of the day holding `at`, as ms since the epoch. */
  localMidnight(at: number): number {
    return Math.floor((at + LOCAL_OFFSET) / DAY) * DAY - LOCAL_OFFSET;
  }

  /** The local hour of the day at `at`. */
  localHour(at: number): number {
    return Math.floor(((at + LOCAL_OFFSET) % DAY) / HOUR);
  }

  staffActor(id: string): Actor {
    const actor = this.staff.get(id);
    if (!actor) throw new Error(`simulate: unknown staff member ${id}`);
    return actor;
  }

  /** The card in force for a brand, category and city at `at`: the city's own, else the nationwide one (RateCardCatalog's rule). */
  itemsInForce(brand: string, category: string, city: string, at: number): Map<string, RateCardItem> | null {
    for (const c of [city, '*']) {
      const card = this.cards.get(rateCardId(brand, category, c));
      if (!card) continue;
      for (let i = card.versions.length - 1; i >= 0; i--) if (card.versions[i]!.fromMs <= at) return card.versions[i]!.items;
    }
    return null;
  }

  /** Whether dispatch would accept the engineer for the category at `at` (the decider's rule 1, on the model). */
  dispatchable(e: EngineerModel, category: string, at: number): boolean {
    if (!e.registered || e.suspended || !e.categories.includes(category)) return false;
    return BASE_CREDENTIALS.every((key) => validTwice(e, key, at)) && validTwice(e, credentialKey('skill', category), at);
  }

  pool(city: string, category: string): readonly EngineerModel[] {
    return this.serving.get(`${city}|${category}`) ?? [];
  }

  /** Remembers a completion for repeat visits; made visible after the wave, in order-number order. */
  completedOrder(entry: Completed): void {
    this.completedThisWave.push(entry);
  }

  /** An earlier completed order: about half within 30 days (mostly not fixed), half older. */
  pickRepeated(rng: Rng): Completed | undefined {
    const completed = this.completed;
    if (completed.length === 0) return undefined;
    const cut = this.now - 30 * DAY;
    let lo = 0;
    let hi = completed.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (completed[mid]!.atMs <= cut) lo = mid + 1;
      else hi = mid;
    }
    const recent = rng.chance(0.55) ? lo < completed.length : lo === 0;
    if (recent) {
      let choice = completed[rng.int(lo, completed.length - 1)]!;
      for (let i = 0; i < 3 && choice.outcome !== 'not_fixed'; i++) choice = completed[rng.int(lo, completed.length - 1)]!;
      return choice;
    }
    return completed[rng.int(0, lo - 1)];
  }

  /** Sets up the platform lanes (rate cards, engineers, arrivals) and runs every wave to the end. */
  async run(onWave: (progress: WorldProgress) => void): Promise<void> {
    const start = this.plan.startMs;
    this.now = this.scheduler.tickOf(start);
    for (const card of planRateCards(this)) {
      card.lane.spawn(rateCardLife(this, card), start);
      this.scheduler.add(card.lane);
    }
    // Rate-card lanes hold keys 1..cards; engineers and the arrivals follow.
    let key = this.cards.size;
    for (const e of planEngineers(this)) {
      const lane = new Lane(0, ++key);
      lane.spawn(engineerLife(this, e, lane), start + this.rng.between(0, 30 * MIN));
      this.scheduler.add(lane);
    }
    const arrivals = new Lane(0, ++key);
    // The desk opens to orders once the cards are out and the first engineers are verified.
    arrivals.spawn(arrivalsLife(this), start + 3 * HOUR);
    this.scheduler.add(arrivals);

    await this.scheduler.run({
      beforeWave: (wave: Wave) => {
        this.now = wave.tick;
      },
      afterWave: (wave, ended) => {
        for (const lane of ended) if (lane.phase === 1) this.ordersFinished++;
        if (this.completedThisWave.length > 0) {
          this.completedThisWave.sort((a, b) => a.n - b.n);
          for (const c of this.completedThisWave) this.completed.push(c);
          this.completedThisWave = [];
          if (this.completed.length > COMPLETED_WINDOW + 1_000) this.completed.splice(0, this.completed.length - COMPLETED_WINDOW);
        }
        onWave({ ordersCreated: this.observed.ordersCreated, ordersFinished: this.ordersFinished });
      },
    });
  }

  /** Orders spawned and not yet finished. */
  get ordersInFlight(): number {
    return this.ordersSpawned - this.ordersFinished;
  }

  categoriesOf(city: string): CategorySpec[] {
    return CATEGORIES.filter((c) => this.pool(city, c.code).length > 0);
  }
}

/** Whether two parties' checks of the engineer's credential are valid at `at`. */
function validTwice(e: EngineerModel, key: string, at: number): boolean {
  const parties = e.verifications.get(key);
  if (!parties) return false;
  let valid = 0;
  for (const v of parties.values()) if (v.fromMs <= at && at < v.untilMs) valid++;
  return valid >= 2;
}

/** A deterministic offset in [0, tickMs) for a tick: recorded times fall anywhere within the tick, not on round minutes. */
function jitter(seed: number, tick: number, tickMs: number): number {
  let h = (seed ^ Math.floor(tick / tickMs)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return h % tickMs;
}

