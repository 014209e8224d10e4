import { billsProjection, BILLS_TABLE, BILL_LINES_TABLE } from '../../projections/bills.projection.js';
import { replay, rowKey } from '../../projections/row-set.js';
import { engineerStream } from '../engineers/domain/engineer.events.js';
import { byPosition, envelopeToJson, type RecordedEvent } from '../event-store/envelope.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { verifyStream } from '../event-store/hash-chain.js';
import { type OrderChargeTrail, OrderReader } from '../orders/application/order-reader.js';
import type { EngineerDispatched, PricedLine } from '../orders/domain/order.events.js';
import type { RateCardPublished } from '../rate-cards/domain/rate-card.events.js';
import { rateCardStream } from '../rate-cards/domain/rate-card.events.js';
import { toProjected } from '../event-store/read-ahead.js';
import { rowToJson } from '../read-models/row-json.js';
import type { Clock } from '../shared/clock.js';
import { chargeTrailCsv } from './charge-trail-csv.js';
import { checkCredentials, checkPrices, type CheckResult, pricedLines, streamVerdict, type StreamVerdict } from './evidence-checks.js';

export const EVIDENCE_FORMAT = 'service-ledger-evidence/1';

/** A stream's events as exported: full envelopes (prevHash, hash), positions as decimal strings, from revision 0. */
export interface ExportedStream {
  stream: string;
  events: Record<string, unknown>[];
}

export interface ExportedRateCard extends ExportedStream {
  rateCardId: string;
  /** The versions the order's lines cited, with the item codes cited from each. */
  reliedOn: { version: number; itemCodes: string[] }[];
}

/** A dispatch of the order and the credentials it recorded as relied on. */
export interface ExportedDispatch {
  engineerId: string;
  /** Where the dispatch is: the order stream, its revision and event id. */
  stream: string;
  revision: number;
  eventId: string;
  position: string;
  at: string;
  policy: EngineerDispatched['data']['policy'];
  credentials: EngineerDispatched['data']['credentials'];
  missing: string[];
  /** The engineer's stream, whose events before `position` (exported) supported the credentials. */
  engineerStream: string;
}

export interface EvidenceVerification {
  /** Every chain links and every check passed. */
  ok: boolean;
  streams: StreamVerdict[];
  prices: CheckResult;
  credentials: CheckResult;
}

/**
 * Everything needed to prove what happened on one order, and to recheck it without the service:
 * the events of the order and of its complaints (with their hash chains), the rate-card versions
 * its lines relied on, the engineer credentials relied on at dispatch and the engineer events
 * behind them, the bill, the charge trail (also as CSV) and the verification result.
 */
export interface EvidenceBundle {
  format: typeof EVIDENCE_FORMAT;
  orderId: string;
  /** From the service's clock. */
  generatedAt: string;
  /** Highest global position among the order's and its complaints' events: the bundle holds their streams complete up to it. */
  storePosition: string;
  /** The order stream first, then each complaint stream in the order they were linked. */
  streams: ExportedStream[];
  rateCards: ExportedRateCard[];
  engineerCredentials: { dispatches: ExportedDispatch[]; engineers: (ExportedStream & { engineerId: string })[] };
  /**
   * The bill, derived from this bundle's events by the bills projection the read model runs
   * (same events in, same row out): no read-model lag, and consistent with the events exported.
   */
  bill: Record<string, unknown> & { derivedFrom: 'events'; position: string; lines: Record<string, unknown>[] };
  chargeTrail: OrderChargeTrail;
  chargeTrailCsv: string;
  verification: EvidenceVerification;
}

/**
 * Builds evidence bundles straight from the event store: the order's stream, its complaints'
 * streams and the few rate-card and engineer streams they cite — never $all. Neither access
 * control nor the read audit happens here: the HTTP route and the CLI do both around it.
 */
export class EvidenceBuilder {
  private readonly reader: OrderReader;

  constructor(
    private readonly store: Pick<EventStore, 'readStream'>,
    private readonly clock: Clock,
  ) {
    this.reader = new OrderReader(store);
  }

  /** The bundle of one order; 404 NOT_FOUND when the order does not exist. */
  async build(orderId: string): Promise<EvidenceBundle> {
    const generatedAt = this.clock.now();
    const order = await this.reader.load(orderId);
    const complaints = await this.reader.complaintStreams(order);
    const [rateCards, engineers] = await Promise.all([this.rateCards(order.events), this.engineers(order.events)]);

    const recorded = [order, ...complaints].flatMap((s) => s.events);
    const storePosition = recorded.reduce((max, e) => (e.position > max ? e.position : max), 0n).toString();
    const chargeTrail = this.reader.chargeTrail(order, complaints);

    const chains = [
      { stream: order.events[0]!.stream, events: order.events },
      ...complaints,
      ...rateCards.map((c) => ({ stream: c.stream, events: c.events })),
      ...engineers.map((e) => ({ stream: e.stream, events: e.events })),
    ].map((s) => streamVerdict(verifyStream(s.stream, s.events), s.events.length));
    const prices = checkPrices(order.events, rateCards.flatMap((c) => c.events));
    const credentials = checkCredentials(order.events, new Map(engineers.map((e) => [e.engineerId, e.events])));

    return {
      format: EVIDENCE_FORMAT,
      orderId,
      generatedAt,
      storePosition,
      streams: [{ stream: order.events[0]!.stream, events: order.events }, ...complaints].map(exported),
      rateCards: rateCards.map(({ events, ...card }) => ({ ...card, events: events.map(envelopeToJson) })),
      engineerCredentials: {
        dispatches: order.events.filter((e) => e.type === 'EngineerDispatched').map(dispatchOf),
        engineers: engineers.map(({ events, ...engineer }) => ({ ...engineer, events: events.map(envelopeToJson) })),
      },
      bill: { derivedFrom: 'events', position: storePosition, ...billOf(orderId, recorded) },
      chargeTrail,
      chargeTrailCsv: chargeTrailCsv(chargeTrail.entries),
      verification: {
        ok: chains.every((c) => c.ok) && prices.ok && credentials.ok,
        streams: chains,
        prices,
        credentials,
      },
    };
  }

  /**
   * The rate cards the order's lines cited: each card's stream from revision 0 up to the newest
   * version cited (a chain verifies only from its start; later versions played no part).
   */
  private async rateCards(orderEvents: RecordedEvent[]) {
    const cited = new Map<string, Map<number, Set<string>>>();
    for (const { line } of pricedLines(orderEvents)) {
      const { rateCardId, version, itemCode } = (line as PricedLine).rateCard;
      const versions = cited.get(rateCardId) ?? cited.set(rateCardId, new Map()).get(rateCardId)!;
      (versions.get(version) ?? versions.set(version, new Set()).get(version)!).add(itemCode);
    }
    return Promise.all(
      [...cited].map(async ([rateCardId, versions]) => {
        const stream = rateCardStream(rateCardId);
        const all = await this.store.readStream(stream);
        const newest = Math.max(...versions.keys());
        const last = all.findIndex((e) => (e.data as RateCardPublished['data']).version === newest);
        return {
          rateCardId,
          stream,
          reliedOn: [...versions].sort(([a], [b]) => a - b).map(([version, codes]) => ({ version, itemCodes: [...codes].sort() })),
          events: last < 0 ? all : all.slice(0, last + 1),
        };
      }),
    );
  }

  /** Each dispatched engineer's stream from revision 0 up to the last event before their last dispatch on this order. */
  private async engineers(orderEvents: RecordedEvent[]) {
    const lastDispatch = new Map<string, bigint>();
    for (const e of orderEvents) if (e.type === 'EngineerDispatched') lastDispatch.set((e.data as EngineerDispatched['data']).engineerId, e.position);
    return Promise.all(
      [...lastDispatch].map(async ([engineerId, position]) => {
        const stream = engineerStream(engineerId);
        const all = await this.store.readStream(stream);
        const before = all.findIndex((e) => e.position >= position);
        return { engineerId, stream, events: before < 0 ? all : all.slice(0, before) };
      }),
    );
  }
}

function exported(s: { stream: string; events: RecordedEvent[] }): ExportedStream {
  return { stream: s.stream, events: s.events.map(envelopeToJson) };
}

function dispatchOf(event: RecordedEvent): ExportedDispatch {
  const d = event.data as EngineerDispatched['data'];
  return {
    engineerId: d.engineerId,
    stream: event.stream,
    revision: event.revision,
    eventId: event.eventId,
    position: event.position.toString(),
    at: d.at,
    policy: d.policy,
    credentials: d.credentials,
    missing: d.missing,
    engineerStream: engineerStream(d.engineerId),
  };
}

/** The bill row and its lines as the bills projection makes them from these events, shaped as GET /orders/:id/bill. */
function billOf(orderId: string, events: RecordedEvent[]): Record<string, unknown> & { lines: Record<string, unknown>[] } {
  const rows = replay(billsProjection, [...events].sort(byPosition).map(toProjected));
  const bill = rows.table(BILLS_TABLE.name).get(rowKey([orderId]));
  // The lines in the order they were recorded, as the bill route lists them.
  const lines = [...rows.table(BILL_LINES_TABLE.name).values()]
    .filter((r) => r.order_id === orderId)
    .map((r) => ({ r, at: BigInt(String(r.source_position)) }))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : String(a.r.line_id).localeCompare(String(b.r.line_id))))
    .map(({ r }) => r);
  return { ...(bill ? rowToJson(bill) : {}), lines: lines.map(rowToJson) };
}

/** The bundle of one order, without HTTP, access control or read audit: what a benchmark times. */
export function buildEvidence(store: Pick<EventStore, 'readStream'>, clock: Clock, orderId: string): Promise<EvidenceBundle> {
  return new EvidenceBuilder(store, clock).build(orderId);
}
