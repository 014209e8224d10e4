import { type DynamicModule, Global, Module } from '@nestjs/common';
import { type Clock, CLOCK, SystemClock } from '../shared/clock.js';
import { APP_CONFIG, type AppConfig } from './config.js';

/** Configuration and the clock, available everywhere. Tests pass their own of both. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig, clock: Clock = new SystemClock()): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: CLOCK, useValue: clock },
      ],
      exports: [APP_CONFIG, CLOCK],
    };
  }
}
