import { Body, Controller, Get, HttpCode, Inject, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../../auth/actor.decorator.js';
import { Allow } from '../../auth/policy.decorator.js';
import type { Actor } from '../../event-store/envelope.js';
import { ApiErrors } from '../../http/api-docs.js';
import { CommandContextFactory } from '../../http/command-context.js';
import { commandResponse, CommandResponse } from '../../http/command-response.js';
import { commandIdOf, newIdFor, type RequestWithCommandId } from '../../http/idempotency.js';
import { IdParam } from '../../http/params.js';
import { type Clock, CLOCK } from '../../shared/clock.js';
import { NotFound } from '../../shared/domain-error.js';
import { ExecuteEngineerCommand } from '../application/engineer.commands.js';
import { EngineerDirectory } from '../application/engineer.directory.js';
import { dispatchability, type EngineerCommand } from '../domain/engineer.decider.js';
import {
  CredentialKindParam,
  ReasonRequest,
  RegisterEngineerRequest,
  RevokeCredentialRequest,
  VerifyCredentialRequest,
} from './engineer.request.dto.js';
import { EngineerDoc } from './engineer.response.dto.js';

@ApiTags('engineers')
@Controller('engineers')
export class EngineersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly contexts: CommandContextFactory,
    private readonly directory: EngineerDirectory,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  private run(command: EngineerCommand, actor: Actor, req: RequestWithCommandId, reason?: string) {
    const context = this.contexts.create(actor, commandIdOf(req), reason);
    return this.commands.execute(new ExecuteEngineerCommand(command, context));
  }

  @Post()
  @Allow('agent', 'supervisor')
  @ApiOperation({ summary: 'Register an engineer', description: '422 ENGINEER_ALREADY_REGISTERED' })
  @ApiCreatedResponse({ type: CommandResponse })
  @ApiErrors(400, 409, 422)
  async register(@Body() body: RegisterEngineerRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    const engineerId = body.engineerId ?? newIdFor(req);
    const result = await this.run({ type: 'RegisterEngineer', data: { ...body, engineerId } }, actor, req);
    return commandResponse(engineerId, result);
  }

  @Post(':id/credentials')
  @HttpCode(200)
  @Allow('agent', 'supervisor')
  @ApiOperation({ summary: "Record one party's verification of one credential", description: '400 when validUntil is not after validFrom, or a skill lacks its category; 404 for an unknown engineer' })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  async verifyCredential(@Param() { id }: IdParam, @Body() body: VerifyCredentialRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    const data = { engineerId: id, ...body };
    const result = await this.run({ type: 'VerifyCredential', data }, actor, req);
    return commandResponse(id, result);
  }

  @Post(':id/credentials/:kind/revoke')
  @HttpCode(200)
  @Allow('agent', 'supervisor')
  @ApiOperation({ summary: 'Revoke a credential (a skill names its category in the body)', description: '422 CREDENTIAL_NOT_FOUND' })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  async revokeCredential(
    @Param() { id, kind }: CredentialKindParam,
    @Body() body: RevokeCredentialRequest,
    @CurrentActor() actor: Actor,
    @Req() req: RequestWithCommandId,
  ) {
    const data = { engineerId: id, kind, reason: body.reason, ...(body.category ? { category: body.category } : {}) };
    const result = await this.run({ type: 'RevokeCredential', data }, actor, req, body.reason);
    return commandResponse(id, result);
  }

  @Post(':id/suspend')
  @HttpCode(200)
  @Allow('supervisor')
  @ApiOperation({ summary: 'Suspend an engineer', description: '422 ENGINEER_ALREADY_SUSPENDED' })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  async suspend(@Param() { id }: IdParam, @Body() body: ReasonRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    const result = await this.run({ type: 'SuspendEngineer', data: { engineerId: id, reason: body.reason }, actor }, actor, req, body.reason);
    return commandResponse(id, result);
  }

  @Post(':id/reinstate')
  @HttpCode(200)
  @Allow('supervisor')
  @ApiOperation({ summary: 'Reinstate a suspended engineer', description: '422 ENGINEER_NOT_SUSPENDED' })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  async reinstate(@Param() { id }: IdParam, @Body() body: ReasonRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    const result = await this.run({ type: 'ReinstateEngineer', data: { engineerId: id, reason: body.reason }, actor }, actor, req, body.reason);
    return commandResponse(id, result);
  }

  @Get(':id')
  @Allow('agent', 'supervisor', 'compliance', 'engineer')
  @ApiOperation({ summary: 'An engineer: state, credentials, and whether dispatchable now (with reasons if not)' })
  @ApiErrors(400, 404)
  @ApiOkResponse({ type: EngineerDoc })
  async get(@Param() { id }: IdParam, @CurrentActor() actor: Actor) {
    if (actor.role === 'engineer' && actor.id !== id) throw new NotFound('engineer', id);
    const { state, events } = await this.directory.load(id);
    if (events.length === 0) throw new NotFound('engineer', id);
    const at = this.clock.now();
    const { dispatchable, reasons, missing } = dispatchability(state, at, undefined);
    const last = events[events.length - 1]!;
    return { ...state, dispatchable, reasons, missing, asOf: at, revision: last.revision, position: last.position.toString() };
  }
}
