import type { Tally } from './driver.js';
import { EXAMPLE_KINDS, type ExampleKind, type Observed } from './world.js';

/** Refusal codes that stop money being taken from a customer beyond what the rules allow. */
export const OVERCHARGE_CODES = [
  'CHARGE_EXCEEDS_ACCEPTED_QUOTE',
  'PACKAGE_NO_EXTRA_CUSTOMER_CHARGE',
  'RATE_CARD_ITEM_NOT_FOUND',
  'PAYMENT_EXCEEDS_AMOUNT_DUE',
] as const;

/** What a simulation did, counted from the answers of the command bus. */
export interface SimulationSummary {
  seed: number;
  store: string;
  /** The simulated clock: first and last instant of the run. */
  start: string;
  end: string;
  orders: number;
  packageOrders: number;
  /** packageOrders / orders, to three decimals. */
  packageShare: number;
  repeatOrders: number;
  lateArrivals: number;
  revisedQuotes: number;
  engineers: number;
  rateCards: number;
  commands: number;
  recorded: number;
  refused: number;
  events: number;
  eventsByType: Record<string, number>;
  /** Refusals by error code, most frequent first. */
  refusals: Record<string, number>;
  /** Refusals by command and code, e.g. "AddCharge CHARGE_EXCEEDS_ACCEPTED_QUOTE". */
  refusalsByCommand: Record<string, number>;
  /** Attempts to take more from a customer than the rules allow, refused (see OVERCHARGE_CODES). */
  overchargeAttemptsRefused: number;
  complaints: number;
  complaintsByCategory: Record<string, number>;
  compensation: {
    thresholdFen: number;
    /** Payments after which the order's compensation stayed below the threshold (an agent may pay). */
    belowThreshold: number;
    /** Payments that brought the order's compensation to or above the threshold (a supervisor approved). */
    atOrAboveThreshold: number;
    totalFen: number;
  };
  elapsedSeconds: number;
  ordersPerSecond: number;
  eventsPerSecond: number;
  commandsPerSecond: number;
  /** Orders worth looking at in a demo, the lowest-numbered of each kind. */
  examples: Partial<Record<ExampleKind, { orderId: string; complaintId?: string; engineerId?: string; what: string }>>;
}

const sortedRecord = (map: Map<string, number>): Record<string, number> =>
  Object.fromEntries([...map.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)));

export function summarize(input: {
  seed: number;
  store: string;
  start: string;
  end: string;
  engineers: number;
  rateCards: number;
  thresholdFen: number;
  tally: Tally;
  observed: Observed;
  elapsedMs: number;
}): SimulationSummary {
  const { tally, observed } = input;
  const seconds = Math.max(input.elapsedMs / 1000, 0.001);
  const refused = tally.commands - tally.recorded;
  const complaints = [...observed.complaintsByCategory.values()].reduce((a, b) => a + b, 0);
  const examples: SimulationSummary['examples'] = {};
  for (const kind of Object.keys(EXAMPLE_KINDS) as ExampleKind[]) {
    const example = observed.examples.get(kind);
    if (!example) continue;
    examples[kind] = {
      orderId: example.orderId,
      ...(example.complaintId ? { complaintId: example.complaintId } : {}),
      ...(example.engineerId ? { engineerId: example.engineerId } : {}),
      what: EXAMPLE_KINDS[kind],
    };
  }
  return {
    seed: input.seed,
    store: input.store,
    start: input.start,
    end: input.end,
    orders: observed.ordersCreated,
    packageOrders: observed.packageOrders,
    packageShare: observed.ordersCreated === 0 ? 0 : Math.round((observed.packageOrders / observed.ordersCreated) * 1000) / 1000,
    repeatOrders: observed.repeatOrders,
    lateArrivals: observed.lateArrivals,
    revisedQuotes: observed.revisedQuotes,
    engineers: input.engineers,
    rateCards: input.rateCards,
    commands: tally.commands,
    recorded: tally.recorded,
    refused,
    events: tally.events,
    eventsByType: sortedRecord(tally.eventsByType),
    refusals: sortedRecord(tally.refusals),
    refusalsByCommand: sortedRecord(tally.refusalsByCommand),
    overchargeAttemptsRefused: OVERCHARGE_CODES.reduce((sum, code) => sum + (tally.refusals.get(code) ?? 0), 0),
    complaints,
    complaintsByCategory: sortedRecord(observed.complaintsByCategory),
    compensation: {
      thresholdFen: input.thresholdFen,
      belowThreshold: observed.compensationsBelowThreshold,
      atOrAboveThreshold: observed.compensationsAtOrAboveThreshold,
      totalFen: observed.compensatedFen,
    },
    elapsedSeconds: Math.round(seconds * 100) / 100,
    ordersPerSecond: Math.round(observed.ordersCreated / seconds),
    eventsPerSecond: Math.round(tally.events / seconds),
    commandsPerSecond: Math.round(tally.commands / seconds),
    examples,
  };
}

const n = (value: number) => value.toLocaleString('en-US');
const list = (record: Record<string, number>) =>
  Object.entries(record)
    .map(([key, count]) => `${key} ${n(count)}`)
    .join(', ') || 'none';

/** The summary as the CLI prints it. */
export function formatSummary(s: SimulationSummary): string {
  const lines = [
    `simulated ${n(s.orders)} orders (seed ${s.seed}) on the ${s.store} store, simulated time ${s.start} .. ${s.end}`,
    `  events ${n(s.events)} from ${n(s.commands)} commands: ${n(s.recorded)} recorded, ${n(s.refused)} refused`,
    `  platform: ${n(s.engineers)} engineers, ${n(s.rateCards)} rate cards`,
    `  orders: ${n(s.orders)}; all-inclusive packages ${n(s.packageOrders)} (${(s.packageShare * 100).toFixed(1)}%); ` +
      `repeat visits ${n(s.repeatOrders)}; late arrivals ${n(s.lateArrivals)}; revised quotes ${n(s.revisedQuotes)}`,
    `  refusals by code: ${list(s.refusals)}`,
    `  overcharge attempts refused: ${n(s.overchargeAttemptsRefused)} (${OVERCHARGE_CODES.join(', ')})`,
    `  complaints: ${n(s.complaints)} (${list(s.complaintsByCategory)})`,
    `  compensation: ${n(s.compensation.belowThreshold)} payments below the ${n(s.compensation.thresholdFen)} fen threshold, ` +
      `${n(s.compensation.atOrAboveThreshold)} at or above it; ${n(s.compensation.totalFen)} fen in all`,
    `  elapsed ${s.elapsedSeconds.toFixed(1)} s: ${n(s.ordersPerSecond)} orders/s, ${n(s.eventsPerSecond)} events/s, ${n(s.commandsPerSecond)} commands/s`,
  ];
  const examples = Object.entries(s.examples);
  if (examples.length > 0) {
    lines.push('  examples:');
    for (const [, e] of examples) {
      const ids = [e.orderId, e.complaintId, e.engineerId].filter(Boolean).join(' ');
      lines.push(`    ${ids.padEnd(24)} ${e.what}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
