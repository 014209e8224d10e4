import { Module } from '@nestjs/common';
import { EngineersController } from './api/engineers.controller.js';
import { EngineerCommandHandler } from './application/engineer.commands.js';
import { EngineerDirectory } from './application/engineer.directory.js';

@Module({
  controllers: [EngineersController],
  providers: [EngineerCommandHandler, EngineerDirectory],
  exports: [EngineerDirectory],
})
export class EngineersModule {}
