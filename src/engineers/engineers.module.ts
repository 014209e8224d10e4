import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CommandContextFactory } from '../http/command-context.js';
import { EngineersController } from './api/engineers.controller.js';
import { EngineerCommandHandler } from './application/engineer.commands.js';

@Module({
  imports: [CqrsModule],
  controllers: [EngineersController],
  providers: [EngineerCommandHandler, CommandContextFactory],
})
export class EngineersModule {}
