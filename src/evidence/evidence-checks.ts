import { dispatchability, engineerDecider } from '../engineers/domain/engineer.decider.js';
import type { EngineerEvent } from '../engineers/domain/engineer.events.js';
import { canonicalJson } from '../event-store/canonical.js';
import type { RecordedEvent } from '../event-store/envelope.js';
import { toDomainEvent } from '../event-store/handle-command.js';
import type { ChainVerdict } from '../event-store/hash-chain.js';
import type { EngineerDispatched, PricedLine } from '../orders/domain/order.events.js';
import { findItem } from '../rate-cards/domain/rate-card.decider.js';
import type { RateCardPublished } from '../rate-cards/domain/rate-card.events.js';
import { fold } from '../shared/decider.js';
import { isAtOrBefore } from '../shared/time.js';

/** One stream's chain as the bundle holds it: from revision 0 up to its last exported event. */
export type StreamVerdict =
  | { stream: string; events: number; ok: true; headHash: string }
  | { stream: string; events: number; ok: false; revision: number; eventId?: string; problem: string; message: string };

export function streamVerdict(verdict: ChainVerdict, events: number): StreamVerdict {
  if (verdict.ok) return { stream: verdict.stream, events, ok: true, headHash: verdict.headHash };
  const { ok: _, ...failure } = verdict;
  return { ...failure, events, ok: false };
}

export interface CheckResult {
  ok: boolean;
  /** How many things were checked (priced lines, dispatches). */
  checked: number;
  /** One sentence per problem found, naming the event. */
  problems: string[];
}

/** Every priced line the order recorded: the quote lines and the parts and charges, with the event they are in. */
export function pricedLines(orderEvents: RecordedEvent[]): { event: RecordedEvent; line: PricedLine; label: string }[] {
  const out: { event: RecordedEvent; line: PricedLine; label: string }[] = [];
  for (const event of orderEvents) {
    const at = `${event.stream}@${event.revision} (${event.type})`;
    if (event.type === 'QuoteIssued') {
      (event.data as { lines: PricedLine[] }).lines.forEach((line, i) => out.push({ event, line, label: `${at} line ${i + 1}` }));
    } else if (event.type === 'PartUsed' || event.type === 'ChargeAdded') {
      const line = event.data as PricedLine & { lineId: string };
      out.push({ event, line, label: `${at} ${line.lineId}` });
    }
  }
  return out;
}

/**
 * DESIGN rule 2 rechecked from the bundle: each line's item, name, kind, unit and unit price are
 * those of the rate-card version it cites, that version took effect no later than the line was
 * recorded, and the amount is unit price x quantity.
 */
export function checkPrices(orderEvents: RecordedEvent[], rateCardEvents: RecordedEvent[]): CheckResult {
  const versions = new Map<string, RateCardPublished['data']>();
  for (const e of rateCardEvents) {
    const d = e.data as RateCardPublished['data'];
    versions.set(`${d.rateCardId} v${d.version}`, d);
  }
  const problems: string[] = [];
  const lines = pricedLines(orderEvents);
  for (const { event, line, label } of lines) {
    const ref = `${line.rateCard.rateCardId} v${line.rateCard.version}`;
    const card = versions.get(ref);
    const item = card && findItem(card, line.rateCard.itemCode);
    if (!card) problems.push(`${label}: rate card ${ref} is not in the bundle`);
    else if (!item) problems.push(`${label}: rate card ${ref} has no item ${line.rateCard.itemCode}`);
    else {
      for (const field of ['code', 'name', 'kind', 'unit', 'unitPriceFen'] as const) {
        if (line[field] !== item[field]) problems.push(`${label}: ${field} ${JSON.stringify(line[field])} differs from ${JSON.stringify(item[field])} on ${ref}`);
      }
      if (!isAtOrBefore(card.effectiveFrom, event.recordedAt)) problems.push(`${label}: ${ref} took effect at ${card.effectiveFrom}, after the line was recorded`);
    }
    if (line.amountFen !== line.unitPriceFen * line.quantity) problems.push(`${label}: amountFen ${line.amountFen} is not ${line.unitPriceFen} x ${line.quantity}`);
  }
  return { ok: problems.length === 0, checked: lines.length, problems };
}

/**
 * DESIGN rule 1 rechecked from the bundle: the credentials (and, under policy `record`, the gaps)
 * each dispatch recorded are exactly what the engineer's stream supported at the dispatch — the
 * engineer folded from the events before the dispatch's position, judged at its time.
 */
export function checkCredentials(orderEvents: RecordedEvent[], engineerEvents: Map<string, RecordedEvent[]>): CheckResult {
  const problems: string[] = [];
  const dispatches = orderEvents.filter((e) => e.type === 'EngineerDispatched');
  for (const dispatch of dispatches) {
    const d = dispatch.data as EngineerDispatched['data'];
    const before = (engineerEvents.get(d.engineerId) ?? []).filter((e) => e.position < dispatch.position);
    const state = fold(engineerDecider, before.map((e) => toDomainEvent<EngineerEvent>(e)));
    const derived = dispatchability(state, d.at, d.category);
    const label = `${dispatch.stream}@${dispatch.revision} (EngineerDispatched ${d.engineerId})`;
    if (canonicalJson(derived.relied) !== canonicalJson(d.credentials)) {
      problems.push(`${label}: the credentials recorded differ from those the engineer's ${before.length} earlier events support at ${d.at}`);
    }
    if (canonicalJson(derived.missing) !== canonicalJson(d.missing)) {
      problems.push(`${label}: recorded missing [${d.missing.join(', ')}], the engineer's events give [${derived.missing.join(', ')}]`);
    }
  }
  return { ok: problems.length === 0, checked: dispatches.length, problems };
}
