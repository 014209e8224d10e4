import { Body, Controller, Get, Inject, Post, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../../auth/actor.decorator.js';
import { Allow } from '../../auth/policy.decorator.js';
import { CommandBus } from '@nestjs/cqrs';
import type { CommandResult } from '../../event-store/handle-command.js';
import type { Actor } from '../../event-store/envelope.js';
import { ApiErrors } from '../../http/api-docs.js';
import { CommandContextFactory } from '../../http/command-context.js';
import { commandResponse, CommandResponse } from '../../http/command-response.js';
import { commandIdOf, type RequestWithCommandId } from '../../http/idempotency.js';
import { type Clock, CLOCK } from '../../shared/clock.js';
import { NotFound, ValidationFailed } from '../../shared/domain-error.js';
import { normalizeInstant } from '../../shared/time.js';
import { RateCardCatalog } from '../application/rate-card.catalog.js';
import { PublishRateCard } from '../application/rate-card.commands.js';
import { rateCardId } from '../domain/rate-card.events.js';
import { PublishRateCardRequest, RateCardQuery } from './rate-card.request.dto.js';
import { RateCardInForceDoc } from './rate-card.response.dto.js';

@ApiTags('rate cards')
@Controller('rate-cards')
export class RateCardsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly contexts: CommandContextFactory,
    private readonly catalog: RateCardCatalog,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post()
  @Allow('supervisor')
  @ApiOperation({
    summary: 'Publish a new version of the rate card for a brand, category and city',
    description: '422 RATE_CARD_RETROACTIVE (effectiveFrom in the past), RATE_CARD_VERSION_ORDER (not after the latest version).',
  })
  @ApiCreatedResponse({ type: CommandResponse })
  @ApiErrors(400, 409, 422)
  async publish(@Body() body: PublishRateCardRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    const id = rateCardId(body.brand, body.category, body.city);
    if (body.rateCardId !== undefined && body.rateCardId !== id) {
      throw new ValidationFailed(`rateCardId must be ${id}: one card per brand, category and city`, [
        { field: 'rateCardId', message: `must be ${id} (or omitted)` },
      ]);
    }
    const context = this.contexts.create(actor, commandIdOf(req));
    const { rateCardId: _, ...card } = body;
    const data = { ...card, rateCardId: id, effectiveFrom: normalizeInstant(body.effectiveFrom), items: body.items.map((i) => ({ ...i })) };
    const result: CommandResult<unknown> = await this.commands.execute(new PublishRateCard(data, context));
    const version = result.events[result.events.length - 1]?.data as { version: number } | undefined;
    return { ...commandResponse(id, result), version: version?.version };
  }

  @Get()
  @Allow('customer', 'engineer', 'agent', 'supervisor', 'compliance', 'analyst')
  @ApiOperation({ summary: 'The rate card in force for a brand, category and city at an instant (default now)' })
  @ApiErrors(400, 404)
  @ApiOkResponse({ type: RateCardInForceDoc })
  async inForce(@Query() query: RateCardQuery) {
    const at = query.at ? normalizeInstant(query.at) : this.clock.now();
    const card = await this.catalog.inForce(query.brand, query.category, query.city, at);
    if (!card) throw new NotFound('rate card in force for', `${query.brand}/${query.category}/${query.city} at ${at}`);
    return { ...card, at };
  }
}
