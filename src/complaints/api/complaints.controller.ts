import { Body, Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../../auth/actor.decorator.js';
import { Allow } from '../../auth/policy.decorator.js';
import type { Actor } from '../../event-store/envelope.js';
import type { CommandResult } from '../../event-store/handle-command.js';
import { ApiErrors } from '../../http/api-docs.js';
import { CommandContextFactory } from '../../http/command-context.js';
import { commandResponse, CommandResponse } from '../../http/command-response.js';
import { commandIdOf, newIdFor, type RequestWithCommandId, RequiresIdempotencyKey } from '../../http/idempotency.js';
import { IdParam, ReasonRequest } from '../../http/params.js';
import { type ComplaintRequest, ExecuteComplaintCommand, FileComplaint } from '../application/complaint.commands.js';
import type { ComplaintState } from '../domain/complaint.decider.js';
import { CompensateRequest, AcknowledgeRequest, FileComplaintRequest, ResolveRequest, TransferRequest } from './complaint.request.dto.js';

const STAFF = ['agent', 'supervisor'] as const;

@ApiTags('complaints')
@Controller('complaints')
export class ComplaintsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly contexts: CommandContextFactory,
  ) {}

  private async run(request: ComplaintRequest, actor: Actor, req: RequestWithCommandId, reason?: string) {
    const context = this.contexts.create(actor, commandIdOf(req), reason);
    const result: CommandResult<ComplaintState> = await this.commands.execute(new ExecuteComplaintCommand(request, context));
    return commandResponse(request.data.complaintId, result);
  }

  @Post()
  @Allow('customer', ...STAFF)
  @ApiOperation({
    summary: 'File a complaint about an order; a filing agent becomes its owner (首问责任制)',
    description: '422 COMPLAINT_ALREADY_FILED; 404 for an unknown order; 403 for a customer on another customer\'s order',
  })
  @ApiCreatedResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  async file(@Body() body: FileComplaintRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    const complaintId = body.complaintId ?? newIdFor(req);
    const context = this.contexts.create(actor, commandIdOf(req));
    const result: CommandResult<ComplaintState> = await this.commands.execute(new FileComplaint({ ...body, complaintId }, context));
    return commandResponse(complaintId, result);
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @Allow(...STAFF)
  @ApiOperation({ summary: 'Acknowledge (an ownerless complaint is taken by the acknowledging agent)', description: '422 NOT_COMPLAINT_OWNER, COMPLAINT_ALREADY_ACKNOWLEDGED, COMPLAINT_CLOSED' })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  acknowledge(@Param() { id }: IdParam, @Body() body: AcknowledgeRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    return this.run({ type: 'AcknowledgeComplaint', data: { complaintId: id } }, actor, req, body.note);
  }

  @Post(':id/transfer')
  @HttpCode(200)
  @Allow(...STAFF)
  @ApiOperation({ summary: 'Hand the complaint to another owner', description: '422 NOT_COMPLAINT_OWNER, TRANSFER_TO_CURRENT_OWNER, COMPLAINT_CLOSED' })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  transfer(@Param() { id }: IdParam, @Body() body: TransferRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    return this.run({ type: 'TransferComplaint', data: { complaintId: id, ...body } }, actor, req, body.reason);
  }

  @Post(':id/compensate')
  @HttpCode(200)
  @Allow(...STAFF)
  @RequiresIdempotencyKey()
  @ApiOperation({
    summary: 'Pay advance compensation to the customer (先行赔付)',
    description: '422 COMPENSATION_NEEDS_SUPERVISOR (cumulative compensation at or above the threshold), NOT_COMPLAINT_OWNER, COMPLAINT_CLOSED. Idempotency-Key required.',
  })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  compensate(@Param() { id }: IdParam, @Body() body: CompensateRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    return this.run({ type: 'CompensateComplaint', data: { complaintId: id, ...body } }, actor, req, body.reason);
  }

  @Post(':id/escalate')
  @HttpCode(200)
  @Allow(...STAFF)
  @ApiOperation({ summary: 'Escalate the complaint', description: '422 NOT_COMPLAINT_OWNER, COMPLAINT_ALREADY_ESCALATED, COMPLAINT_CLOSED' })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  escalate(@Param() { id }: IdParam, @Body() body: ReasonRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    return this.run({ type: 'EscalateComplaint', data: { complaintId: id, reason: body.reason } }, actor, req, body.reason);
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @Allow(...STAFF)
  @ApiOperation({ summary: 'Resolve the complaint with an outcome and the liable party', description: '422 NOT_COMPLAINT_OWNER, COMPLAINT_CLOSED' })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  resolve(@Param() { id }: IdParam, @Body() body: ResolveRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    return this.run({ type: 'ResolveComplaint', data: { complaintId: id, ...body } }, actor, req);
  }

  @Post(':id/reopen')
  @HttpCode(200)
  @Allow(...STAFF)
  @ApiOperation({ summary: 'Reopen a resolved complaint', description: '422 COMPLAINT_NOT_RESOLVED, NOT_COMPLAINT_OWNER' })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  reopen(@Param() { id }: IdParam, @Body() body: ReasonRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    return this.run({ type: 'ReopenComplaint', data: { complaintId: id, reason: body.reason } }, actor, req, body.reason);
  }
}
