import type { CommandBus } from '@nestjs/cqrs';
import { type ComplaintRequest, ExecuteComplaintCommand, FileComplaint } from '../complaints/application/complaint.commands.js';
import type { ComplaintState } from '../complaints/domain/complaint.decider.js';
import type { ComplaintCategory } from '../complaints/domain/complaint.events.js';
import { ExecuteEngineerCommand } from '../engineers/application/engineer.commands.js';
import type { EngineerCommand, EngineerState } from '../engineers/domain/engineer.decider.js';
import type { Actor, RecordedEvent } from '../event-store/envelope.js';
import type { EventStore } from '../event-store/event-store.port.js';
import type { CommandResult } from '../event-store/handle-command.js';
import type { CommandContextFactory } from '../http/command-context.js';
import { commandIdFromKey } from '../http/idempotency.js';
import { ExecuteOrderCommand, type OrderRequest } from '../orders/application/order.commands.js';
import type { OrderState } from '../orders/domain/order.decider.js';
import { orderStream } from '../orders/domain/order.events.js';
import { PublishRateCard } from '../rate-cards/application/rate-card.commands.js';
import type { RateCardCommand, RateCardState } from '../rate-cards/domain/rate-card.decider.js';
import { DomainError } from '../shared/domain-error.js';

/** What a command came to: its events and the state after them, or the rule that refused it. */
export type Outcome<S = unknown> =
  | { ok: true; state: S; events: RecordedEvent[] }
  | { ok: false; code: string; message: string };

/** Idempotency keys for one simulated thing's commands, in the order they are sent: `<id>-1`, `<id>-2`, ... */
export function keySequence(id: string): () => string {
  let seq = 0;
  return () => `${id}-${++seq}`;
}

/** Counts of what the command bus actually did. */
export class Tally {
  commands = 0;
  recorded = 0;
  events = 0;
  readonly eventsByType = new Map<string, number>();
  readonly refusals = new Map<string, number>();
  /** Refusals by command type and code, e.g. `AddCharge CHARGE_EXCEEDS_ACCEPTED_QUOTE`. */
  readonly refusalsByCommand = new Map<string, number>();

  add<S>(type: string, outcome: Outcome<S>, alreadyAppended: boolean): void {
    this.commands++;
    if (outcome.ok) {
      this.recorded++;
      if (alreadyAppended) return;
      this.events += outcome.events.length;
      for (const e of outcome.events) this.eventsByType.set(e.type, (this.eventsByType.get(e.type) ?? 0) + 1);
    } else {
      this.refusals.set(outcome.code, (this.refusals.get(outcome.code) ?? 0) + 1);
      const key = `${type} ${outcome.code}`;
      this.refusalsByCommand.set(key, (this.refusalsByCommand.get(key) ?? 0) + 1);
    }
  }
}

/**
 * Sends commands through the application's command bus exactly as the HTTP controllers build
 * them: the same messages, the same context (actor, command id, reason, the clock's now). Every
 * command carries an id derived as an `Idempotency-Key` would derive it (actor, route, key), so
 * the same simulation produces the same command ids, hence the same event ids.
 */
export class Driver {
  readonly tally = new Tally();

  constructor(
    private readonly bus: CommandBus,
    private readonly contexts: CommandContextFactory,
    private readonly store: EventStore,
    /** Prefix of every idempotency key: the seed, so two seeds never share command ids. */
    private readonly keyPrefix: string,
  ) {}

  private context(actor: Actor, route: string, params: Record<string, string>, key: string, reason?: string) {
    const commandId = commandIdFromKey(actor, 'POST', `${route}${JSON.stringify(params)}`, `${this.keyPrefix}-${key}`);
    return this.contexts.create(actor, commandId, reason);
  }

  private async execute<S>(
    type: string,
    run: () => Promise<CommandResult<S>>,
    alsoRecorded?: () => Promise<RecordedEvent[]>,
  ): Promise<Outcome<S>> {
    let outcome: Outcome<S>;
    let repeated = false;
    try {
      const result = await run();
      repeated = result.alreadyAppended;
      const more = alsoRecorded ? await alsoRecorded() : [];
      outcome = { ok: true, state: result.state, events: more.length > 0 ? [...result.events, ...more] : result.events };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      outcome = { ok: false, code: error.code, message: error.message };
    }
    this.tally.add(type, outcome, repeated);
    return outcome;
  }

  /** POST /orders and /orders/:id/... (route is the controller's path pattern). */
  order(orderId: string, actor: Actor, request: OrderRequest, route: string, key: string, reason?: string): Promise<Outcome<OrderState>> {
    const params: Record<string, string> = route === '/orders' ? {} : { id: orderId };
    if (request.type === 'VoidLine') params.lineId = request.data.lineId;
    const context = this.context(actor, route, params, key, reason);
    return this.execute(request.type, () => this.bus.execute(new ExecuteOrderCommand(orderId, request, context)));
  }

  /**
   * POST /complaints. Filing also links the complaint on its order, as a second command whose id
   * the handler derives from the filing's (`<commandId>:link`); its event is read back from the
   * order's stream so that the count of events is what the store holds.
   */
  fileComplaint(
    actor: Actor,
    data: { complaintId: string; orderId: string; category: ComplaintCategory; description: string; claimedFen?: number },
    key: string,
  ): Promise<Outcome<ComplaintState>> {
    const context = this.context(actor, '/complaints', {}, key);
    const linkId = `${context.metadata.commandId}:link`;
    return this.execute(
      'FileComplaint',
      () => this.bus.execute(new FileComplaint(data, context)),
      async () => (await this.store.readStream(orderStream(data.orderId))).filter((e) => e.metadata.commandId === linkId),
    );
  }

  /** POST /complaints/:id/... */
  complaint(actor: Actor, request: ComplaintRequest, route: string, key: string, reason?: string): Promise<Outcome<ComplaintState>> {
    const context = this.context(actor, route, { id: request.data.complaintId }, key, reason);
    return this.execute(request.type, () => this.bus.execute(new ExecuteComplaintCommand(request, context)));
  }

  /** POST /engineers and /engineers/:id/... */
  engineer(actor: Actor, command: EngineerCommand, route: string, key: string, reason?: string): Promise<Outcome<EngineerState>> {
    const params: Record<string, string> = route === '/engineers' ? {} : { id: command.data.engineerId };
    if (command.type === 'RevokeCredential') params.kind = command.data.kind;
    const context = this.context(actor, route, params, key, reason);
    return this.execute(command.type, () => this.bus.execute(new ExecuteEngineerCommand(command, context)));
  }

  /** POST /rate-cards. */
  publishRateCard(actor: Actor, data: RateCardCommand['data'], key: string): Promise<Outcome<RateCardState>> {
    const context = this.context(actor, '/rate-cards', {}, key);
    return this.execute('PublishRateCard', () => this.bus.execute(new PublishRateCard(data, context)));
  }
}
