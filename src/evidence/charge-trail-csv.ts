import type { TrailEntry } from '../orders/domain/charge-trail.js';

/** The columns of charge-trail.csv: one row per trail entry, money in integer fen. */
export const CHARGE_TRAIL_CSV_COLUMNS = [
  'position',
  'recordedAt',
  'stream',
  'revision',
  'eventId',
  'type',
  'actorId',
  'actorRole',
  'reason',
  'quoteRevision',
  'lineId',
  'code',
  'quantity',
  'unitPriceFen',
  'amountFen',
  'payer',
  'rateCardId',
  'rateCardVersion',
  'customerTotalFen',
  'customerChargesFen',
  'brandChargesFen',
  'platformChargesFen',
  'paidFen',
  'refundedFen',
  'compensatedFen',
  'customerBalanceFen',
  'consentCeilingFen',
  'warrantyUntil',
] as const;

type Cell = string | number | null | undefined;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled.
 * Text that a spreadsheet would run as a formula (starting with = + - @ or a tab) gets a leading
 * apostrophe; numbers are written as they are. The JSON files are the record; the CSV is a view.
 */
function field(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function row(entry: TrailEntry): Cell[] {
  const d = entry.data as Record<string, any>;
  const t = entry.totals;
  const cells: Record<(typeof CHARGE_TRAIL_CSV_COLUMNS)[number], Cell> = {
    position: entry.position,
    recordedAt: entry.recordedAt,
    stream: entry.stream,
    revision: entry.revision,
    eventId: entry.eventId,
    type: entry.type,
    actorId: entry.actor.id,
    actorRole: entry.actor.role,
    reason: entry.reason ?? d.reason,
    // The quote a line relied on: its consent (customer lines) or its warranty marking (brand lines).
    quoteRevision: d.quoteRevision ?? d.consent?.quoteRevision ?? d.warranty?.quoteRevision,
    lineId: d.lineId,
    code: d.code,
    quantity: d.quantity,
    unitPriceFen: d.unitPriceFen,
    amountFen: d.amountFen,
    payer: d.payer,
    rateCardId: d.rateCard?.rateCardId,
    rateCardVersion: d.rateCard?.version,
    customerTotalFen: d.customerTotalFen,
    customerChargesFen: t.chargesFen.customer,
    brandChargesFen: t.chargesFen.brand,
    platformChargesFen: t.chargesFen.platform,
    paidFen: t.paidFen,
    refundedFen: t.refundedFen,
    compensatedFen: t.compensatedFen,
    customerBalanceFen: t.customerBalanceFen,
    consentCeilingFen: t.consentCeilingFen,
    warrantyUntil: d.warranty?.warrantyUntil,
  };
  return CHARGE_TRAIL_CSV_COLUMNS.map((c) => cells[c]);
}

/** The charge trail as CSV with a header row, CRLF line ends (RFC 4180). */
export function chargeTrailCsv(entries: TrailEntry[]): string {
  return [CHARGE_TRAIL_CSV_COLUMNS as readonly Cell[], ...entries.map(row)].map((cells) => cells.map(field).join(',')).join('\r\n') + '\r\n';
}
