import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandRunner } from '../../event-store/command-runner.js';
import type { CommandResult } from '../../event-store/handle-command.js';
import type { CommandContext } from '../../http/command-context.js';
import { type RateCardCommand, rateCardDecider, type RateCardState } from '../domain/rate-card.decider.js';
import { rateCardStream } from '../domain/rate-card.events.js';

export class PublishRateCard {
  constructor(
    readonly data: RateCardCommand['data'],
    readonly context: CommandContext,
  ) {}
}

@CommandHandler(PublishRateCard)
export class PublishRateCardHandler implements ICommandHandler<PublishRateCard, CommandResult<RateCardState>> {
  constructor(private readonly runner: CommandRunner) {}

  execute({ data, context }: PublishRateCard): Promise<CommandResult<RateCardState>> {
    const command: RateCardCommand = { type: 'PublishRateCard', data, now: context.now };
    return this.runner.run(command.type, rateCardStream(data.rateCardId), rateCardDecider, command, context);
  }
}
