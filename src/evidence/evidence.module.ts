import { Module } from '@nestjs/common';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { ReadAuditModule } from '../read-audit/read-audit.module.js';
import { type Clock, CLOCK } from '../shared/clock.js';
import { EvidenceController } from './api/evidence.controller.js';
import { EvidenceBuilder } from './evidence.js';

/** The evidence bundle of an order over HTTP; the CLI's export builds the same bundle without Nest. */
@Module({
  imports: [ReadAuditModule],
  controllers: [EvidenceController],
  providers: [
    {
      provide: EvidenceBuilder,
      inject: [EVENT_STORE, CLOCK],
      useFactory: (store: EventStore, clock: Clock) => new EvidenceBuilder(store, clock),
    },
  ],
})
export class EvidenceModule {}
