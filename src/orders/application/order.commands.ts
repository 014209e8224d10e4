import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { EngineerDirectory } from '../../engineers/application/engineer.directory.js';
import { dispatchability } from '../../engineers/domain/engineer.decider.js';
import { CommandRunner } from '../../event-store/command-runner.js';
import type { CommandResult } from '../../event-store/handle-command.js';
import type { CommandContext } from '../../http/command-context.js';
import type { DistributiveOmit } from '../../shared/decider.js';
import { RateCardCatalog } from '../../rate-cards/application/rate-card.catalog.js';
import { type OrderCommand, orderDecider, type OrderState } from '../domain/order.decider.js';
import { orderStream } from '../domain/order.events.js';

/** An order command as a client asks for it: the facts its rules need are loaded by the handler. */
export type OrderRequest = DistributiveOmit<OrderCommand, 'orderId' | 'actor' | 'now' | 'card' | 'engineer' | 'policy' | 'repeats'>;

export class ExecuteOrderCommand {
  constructor(
    readonly orderId: string,
    readonly request: OrderRequest,
    readonly context: CommandContext,
  ) {}
}

/**
 * Every order command. Before deciding, it loads what the rules rely on for the state being
 * decided on — the rate card in force for the order's brand, category and city (rule 2), the
 * engineer's credentials now (rule 1), the order a repeat visit names — and the decider writes
 * the facts relied on into the event (card references, credentials; a repeat names its order).
 */
@CommandHandler(ExecuteOrderCommand)
export class OrderCommandHandler implements ICommandHandler<ExecuteOrderCommand, CommandResult<OrderState>> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly catalog: RateCardCatalog,
    private readonly engineers: EngineerDirectory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  execute({ orderId, request, context }: ExecuteOrderCommand): Promise<CommandResult<OrderState>> {
    const base = { orderId, actor: context.actor, now: context.now };
    return this.runner.run(
      request.type,
      orderStream(orderId),
      orderDecider,
      async (state): Promise<OrderCommand> => {
        switch (request.type) {
          case 'IssueQuote':
          case 'UsePart':
          case 'AddCharge': {
            const card =
              state.status === 'none'
                ? null
                : await this.catalog.inForce(state.product.brand, state.product.category, state.customer.city, context.now);
            const onSite = request.type === 'IssueQuote' ? {} : await this.standing(state);
            return { ...base, ...request, card, ...onSite } as OrderCommand;
          }
          case 'CheckIn':
          case 'CompleteOrder':
            return { ...base, ...request, ...(await this.standing(state)) } as OrderCommand;
          case 'CreateOrder': {
            const { repeatOf } = request.data;
            if (repeatOf === undefined || repeatOf === orderId) return { ...base, ...request };
            const original = await this.runner.current(orderStream(repeatOf), orderDecider);
            return { ...base, ...request, repeats: original.status === 'none' ? null : original };
          }
          case 'DispatchEngineer': {
            const engineer = await this.engineers.current(request.data.engineerId);
            const category = state.status === 'none' ? undefined : state.product.category;
            return { ...base, ...request, engineer: dispatchability(engineer, context.now, category), policy: this.config.dispatchCredentialPolicy };
          }
          default:
            return { ...base, ...request } as OrderCommand;
        }
      },
      context,
    );
  }

  /** The dispatched engineer's standing now, for the commands done on site. */
  private async standing(state: OrderState): Promise<{ engineerSuspended?: boolean }> {
    if (state.status === 'none' || !state.engineerId) return {};
    const engineer = await this.engineers.current(state.engineerId);
    return { engineerSuspended: engineer.status === 'suspended' };
  }
}
