import { Module } from '@nestjs/common';
import { EngineersModule } from '../engineers/engineers.module.js';
import { RateCardsModule } from '../rate-cards/rate-cards.module.js';
import { OrdersController } from './api/orders.controller.js';
import { OrderCommandHandler } from './application/order.commands.js';

@Module({ imports: [RateCardsModule, EngineersModule], controllers: [OrdersController], providers: [OrderCommandHandler] })
export class OrdersModule {}
