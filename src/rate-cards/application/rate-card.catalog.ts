import { Injectable } from '@nestjs/common';
import { CommandRunner } from '../../event-store/command-runner.js';
import { rateCardDecider, type RateCardVersion, versionInForce } from '../domain/rate-card.decider.js';
import { rateCardId, rateCardStream } from '../domain/rate-card.events.js';

/** Finds the rate card in force: the city's own card, else the brand's nationwide ('*') card. */
@Injectable()
export class RateCardCatalog {
  constructor(private readonly runner: CommandRunner) {}

  async inForce(brand: string, category: string, city: string, at: string): Promise<RateCardVersion | null> {
    for (const c of city === '*' ? ['*'] : [city, '*']) {
      const state = await this.runner.current(rateCardStream(rateCardId(brand, category, c)), rateCardDecider);
      const version = versionInForce(state, at);
      if (version) return version;
    }
    return null;
  }
}
