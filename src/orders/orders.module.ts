import { Module } from '@nestjs/common';
import { EngineersModule } from '../engineers/engineers.module.js';
import { RateCardsModule } from '../rate-cards/rate-cards.module.js';
import { OrdersController } from './api/orders.controller.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { ReadAuditModule } from '../read-audit/read-audit.module.js';
import { OrderCommandHandler } from './application/order.commands.js';
import { OrderReader } from './application/order-reader.js';

@Module({
  imports: [RateCardsModule, EngineersModule, ReadAuditModule],
  controllers: [OrdersController],
  providers: [OrderCommandHandler, { provide: OrderReader, inject: [EVENT_STORE], useFactory: (store: EventStore) => new OrderReader(store) }],
  exports: [OrderReader],
})
export class OrdersModule {}
