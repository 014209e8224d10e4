import { Inject } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig } from '../../config/config.js';
import { CommandRunner } from '../../event-store/command-runner.js';
import type { CommandResult } from '../../event-store/handle-command.js';
import type { CommandContext } from '../../http/command-context.js';
import type { DistributiveOmit } from '../../shared/decider.js';
import { ExecuteOrderCommand } from '../../orders/application/order.commands.js';
import { orderDecider } from '../../orders/domain/order.decider.js';
import { orderStream } from '../../orders/domain/order.events.js';
import { Forbidden, NotFound } from '../../shared/domain-error.js';
import { type ComplaintCommand, complaintDecider, type ComplaintState } from '../domain/complaint.decider.js';
import { type ComplaintCategory, complaintStream } from '../domain/complaint.events.js';

/** Complaint commands other than filing, as a client asks for them; the handler adds who, when and the threshold. */
export type ComplaintRequest = DistributiveOmit<
  Exclude<ComplaintCommand, { type: 'FileComplaint' | 'CompensateComplaint' }>,
  'actor' | 'now'
> | { type: 'CompensateComplaint'; data: { complaintId: string; amountFen: number; reason: string } };

export class ExecuteComplaintCommand {
  constructor(
    readonly request: ComplaintRequest,
    readonly context: CommandContext,
  ) {}
}

export class FileComplaint {
  constructor(
    readonly data: { complaintId: string; orderId: string; category: ComplaintCategory; description: string; claimedFen?: number },
    readonly context: CommandContext,
  ) {}
}

@CommandHandler(ExecuteComplaintCommand)
export class ComplaintCommandHandler implements ICommandHandler<ExecuteComplaintCommand, CommandResult<ComplaintState>> {
  constructor(
    private readonly runner: CommandRunner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  execute({ request, context }: ExecuteComplaintCommand): Promise<CommandResult<ComplaintState>> {
    const issued = { actor: context.actor, now: context.now };
    return this.runner.run(
      request.type,
      complaintStream(request.data.complaintId),
      complaintDecider,
      async (state): Promise<ComplaintCommand> => {
        if (request.type !== 'CompensateComplaint') return { ...issued, ...request } as ComplaintCommand;
        return {
          ...issued,
          type: 'CompensateComplaint',
          data: {
            ...request.data,
            // Derived from the command id: a retried compensation is the same compensation.
            compensationId: `CP-${context.metadata.commandId.slice(0, 12)}`,
            thresholdFen: this.config.compensationSupervisorThresholdFen,
            otherComplaintsFen: state.status === 'none' ? 0 : await this.compensatedOnOtherComplaints(state.orderId, state.complaintId),
          },
        };
      },
      context,
    );
  }

  /** Advance compensation already paid on the order's other complaints. */
  private async compensatedOnOtherComplaints(orderId: string, complaintId: string): Promise<number> {
    const { state: order } = await this.runner.load(orderStream(orderId), orderDecider);
    if (order.status === 'none') return 0;
    let total = 0;
    for (const other of order.complaints) {
      if (other === complaintId) continue;
      const { state } = await this.runner.load(complaintStream(other), complaintDecider);
      if (state.status !== 'none') total += state.compensatedFen;
    }
    return total;
  }
}

/**
 * Filing copies the order facts the complaint views group by, records the complaint, then links
 * it on the order (so the order's history and charge trail find it). The link is its own command,
 * derived from the filing's command id: a retry of the filing completes a link that a crash
 * interrupted, and never links twice.
 */
@CommandHandler(FileComplaint)
export class FileComplaintHandler implements ICommandHandler<FileComplaint, CommandResult<ComplaintState>> {
  constructor(
    private readonly runner: CommandRunner,
    private readonly commands: CommandBus,
  ) {}

  async execute({ data, context }: FileComplaint): Promise<CommandResult<ComplaintState>> {
    const { state: order } = await this.runner.load(orderStream(data.orderId), orderDecider);
    if (order.status === 'none') throw new NotFound('order', data.orderId);
    if (context.actor.role === 'customer' && order.customer.customerId !== context.actor.id) {
      throw new Forbidden(`customer ${context.actor.id} may complain only about their own orders`);
    }
    const facts = {
      customerId: order.customer.customerId,
      brand: order.product.brand,
      productCategory: order.product.category,
      city: order.customer.city,
      ...(order.engineerId ? { engineerId: order.engineerId } : {}),
    };
    const command: ComplaintCommand = { type: 'FileComplaint', data: { ...data, order: facts }, actor: context.actor, now: context.now };
    const result = await this.runner.run(command.type, complaintStream(data.complaintId), complaintDecider, command, context);
    const linkId = `${context.metadata.commandId}:link`;
    const link = { ...context, metadata: { ...context.metadata, commandId: linkId, causationId: context.metadata.commandId } };
    await this.commands.execute(
      new ExecuteOrderCommand(data.orderId, { type: 'LinkComplaint', data: { complaintId: data.complaintId, category: data.category } }, link),
    );
    return result;
  }
}
