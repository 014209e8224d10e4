import { Global, Module } from '@nestjs/common';
import { CommandRunner } from '../event-store/command-runner.js';
import { CommandContextFactory } from './command-context.js';

/** The command path shared by every bounded context. */
@Global()
@Module({ providers: [CommandRunner, CommandContextFactory], exports: [CommandRunner, CommandContextFactory] })
export class CommandsModule {}
