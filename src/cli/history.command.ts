import type { Command } from 'commander';
import type { Actor } from '../event-store/envelope.js';
import type { EventStore } from '../event-store/event-store.port.js';
import { type OrderHistory, OrderReader } from '../orders/application/order-reader.js';
import type { TrailTotals } from '../orders/domain/charge-trail.js';
import type { OpenOrder } from '../orders/domain/order.decider.js';
import type { TimelineEntry } from '../orders/domain/timeline.js';
import { StoreReadAudit } from '../read-audit/application/read-audit.log.js';
import type { Clock } from '../shared/clock.js';
import { asOfOption, defaultOrderReadEnv, type OrderReadEnv, orderOption, reasonOption, reportingRefusals } from './order-reads.js';

/** What `history --json` prints: the answer of GET /orders/:id/history plus the timeline. */
export type HistoryReport = OrderHistory & { timeline: TimelineEntry[] };

/**
 * An order's history as of an instant, with the timeline of the order and its complaints; the
 * read is recorded in the read audit (channel cli) before it is returned.
 */
export async function orderHistory(
  store: Pick<EventStore, 'readStream' | 'append'>,
  clock: Clock,
  actor: Actor,
  request: { orderId: string; asOf?: string; reason?: string },
): Promise<HistoryReport> {
  const reader = new OrderReader(store);
  const order = await reader.load(request.orderId);
  const complaints = await reader.complaintStreams(order);
  const report = { ...reader.history(order, request.asOf), timeline: reader.timeline(order, complaints, request.asOf) };
  await new StoreReadAudit(store, clock).record(actor, { orderId: request.orderId, what: 'history', channel: 'cli', asOf: request.asOf, reason: request.reason });
  return report;
}

const money = (t: TrailTotals) =>
  `customer ${t.chargesFen.customer} · brand ${t.chargesFen.brand} · platform ${t.chargesFen.platform} | ` +
  `paid ${t.paidFen} · refunded ${t.refundedFen} · compensated ${t.compensatedFen} | balance ${t.customerBalanceFen}` +
  ` | consent ${t.consentCeilingFen ?? 'none'}`;

function stateLines(state: OpenOrder): string[] {
  const lines = [
    `  status        ${state.status}${state.cancelReason ? ` (${state.cancelReason})` : ''}`,
    `  customer      ${state.customer.customerId}, ${state.customer.city}`,
    `  product       ${state.product.brand} ${state.product.category} ${state.product.model}, ${state.serviceType}`,
    `  appointment   ${state.appointment.from} to ${state.appointment.to}`,
  ];
  if (state.package) lines.push(`  package       ${state.package.code}, ${state.package.priceFen} fen, funded by ${state.package.fundedBy}`);
  const quote = state.quotes[state.quotes.length - 1];
  if (quote) lines.push(`  quote         r${quote.quoteRevision}, customer total ${quote.customerTotalFen} fen`);
  lines.push(`  consent       ${state.accepted ? `r${state.accepted.quoteRevision} up to ${state.accepted.ceilingFen} fen` : 'none'}`);
  lines.push(`  engineer      ${state.engineerId ?? 'none'}${state.checkedInAt ? `, on site ${state.checkedInAt}${state.late ? ' (late)' : ''}` : ''}`);
  for (const l of state.lines) {
    lines.push(`  line ${l.lineId.padEnd(8)} ${l.code} x${l.quantity} = ${l.amountFen} fen (${l.payer})${l.voided ? `, voided: ${l.voided.reason}` : ''}`);
  }
  lines.push(`  paid          ${state.paidFen} fen, refunded ${state.refundedFen} fen`);
  if (state.outcome) lines.push(`  outcome       ${state.outcome}`);
  if (state.rating) lines.push(`  rating        ${state.rating.stars} stars`);
  if (state.complaints.length > 0) lines.push(`  complaints    ${state.complaints.join(', ')}`);
  return lines;
}

/** The report as a person reads it: one block per event (time, type, actor and role, facts, money after it), then the state. */
export function renderHistory(report: HistoryReport): string {
  const out = [`Order ${report.orderId}${report.asOf ? ` as of ${report.asOf}` : ''}: ${report.timeline.length} events (order and complaints)`, ''];
  for (const e of report.timeline) {
    out.push(`${e.recordedAt}  ${e.type}  by ${e.actor.id} (${e.actor.role})  [${e.stream}@${e.revision}, position ${e.position}]`);
    if (e.facts) out.push(`    ${e.facts}`);
    if (e.reason && !e.facts.includes(e.reason)) out.push(`    reason: ${e.reason}`);
    if (e.money && e.totals) out.push(`    money (fen): ${money(e.totals)}`);
  }
  out.push('', `State${report.asOf ? ` at ${report.asOf}` : ' now'}:`);
  if (report.state === null || report.state.status === 'none') out.push('  the order did not exist yet');
  else out.push(...stateLines(report.state));
  return out.join('\n') + '\n';
}

export function historyCommand(program: Command, env: OrderReadEnv = defaultOrderReadEnv()): void {
  program
    .command('history')
    .description("An order's timeline (time, event, actor and role, key facts, money per payer) and its state, as of an instant if given. Recorded in the read audit.")
    .option('--order <id>', 'the order')
    .option('--as-of <instant>', 'replay up to this ISO-8601 instant, e.g. 2026-05-04T10:00:00Z (default: everything)')
    .option('--json', 'print JSON: what GET /orders/:id/history answers, plus the timeline')
    .option('--reason <text>', 'why you read it, for the read audit (1-500 characters)')
    .action(async (options: { order?: string; asOf?: string; json?: boolean; reason?: string }) => {
      const request = { orderId: orderOption(options.order), asOf: asOfOption(options.asOf), reason: reasonOption(options.reason) };
      await reportingRefusals(env, () =>
        env.open(async ({ store, clock }) => {
          const report = await orderHistory(store, clock, env.actor, request);
          env.stdout(options.json ? JSON.stringify(report, null, 2) + '\n' : renderHistory(report));
        }),
      );
    });
}
