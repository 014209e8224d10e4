import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { LoggerModule } from 'nestjs-pino';
import { AuthGuard } from './auth/auth.guard.js';
import type { AppConfig } from './config/config.js';
import { ConfigModule } from './config/config.module.js';
import { EngineersModule } from './engineers/engineers.module.js';
import { EventStoreModule } from './event-store/event-store.module.js';
import { EvidenceModule } from './evidence/evidence.module.js';
import { HealthModule } from './health/health.module.js';
import { ComplaintsModule } from './complaints/complaints.module.js';
import { CommandsModule } from './http/commands.module.js';
import { ErrorFilter } from './http/error.filter.js';
import { requestLogOptions } from './http/request-log.js';
import { IdempotencyInterceptor } from './http/idempotency.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { OrdersModule } from './orders/orders.module.js';
import { PersistenceModule } from './persistence/persistence.module.js';
import { RateCardsModule } from './rate-cards/rate-cards.module.js';
import { ReadAuditModule } from './read-audit/read-audit.module.js';
import { ReadModelsModule } from './read-models/read-models.module.js';
import type { Clock } from './shared/clock.js';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, clock?: Clock): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config, clock),
        LoggerModule.forRoot({
          pinoHttp: requestLogOptions(config.logLevel),
        }),
        CqrsModule.forRoot(),
        MetricsModule,
        EventStoreModule,
        PersistenceModule,
        CommandsModule,
        HealthModule,
        EngineersModule,
        RateCardsModule,
        OrdersModule,
        ComplaintsModule,
        ReadModelsModule,
        ReadAuditModule,
        EvidenceModule,
      ],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      ],
    };
  }
}
