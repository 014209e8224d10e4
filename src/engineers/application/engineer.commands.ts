import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CommandRunner } from '../../event-store/command-runner.js';
import type { CommandResult } from '../../event-store/handle-command.js';
import type { CommandContext } from '../../http/command-context.js';
import { type EngineerCommand, engineerDecider, type EngineerState } from '../domain/engineer.decider.js';
import { engineerStream } from '../domain/engineer.events.js';

/**
 * One message class carries every engineer command; its handler is the generic command path
 * over the engineer decider. The command's `type` names the use case.
 */
export class ExecuteEngineerCommand {
  constructor(
    readonly command: EngineerCommand,
    readonly context: CommandContext,
  ) {}
}

@CommandHandler(ExecuteEngineerCommand)
export class EngineerCommandHandler implements ICommandHandler<ExecuteEngineerCommand, CommandResult<EngineerState>> {
  constructor(private readonly runner: CommandRunner) {}

  execute({ command, context }: ExecuteEngineerCommand): Promise<CommandResult<EngineerState>> {
    return this.runner.run(command.type, engineerStream(command.data.engineerId), engineerDecider, command, context);
  }
}
