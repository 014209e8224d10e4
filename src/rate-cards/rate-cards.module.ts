import { Module } from '@nestjs/common';
import { RateCardsController } from './api/rate-cards.controller.js';
import { RateCardCatalog } from './application/rate-card.catalog.js';
import { PublishRateCardHandler } from './application/rate-card.commands.js';

@Module({ controllers: [RateCardsController], providers: [RateCardCatalog, PublishRateCardHandler], exports: [RateCardCatalog] })
export class RateCardsModule {}
