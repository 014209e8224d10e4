import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../../auth/actor.decorator.js';
import { Allow } from '../../auth/policy.decorator.js';
import type { Actor } from '../../event-store/envelope.js';
import { deriveEventId } from '../../event-store/append-core.js';
import type { CommandResult } from '../../event-store/handle-command.js';
import { ApiErrors } from '../../http/api-docs.js';
import { CommandContextFactory } from '../../http/command-context.js';
import { commandResponse, CommandResponse } from '../../http/command-response.js';
import { commandIdOf, newIdFor, type RequestWithCommandId, RequiresIdempotencyKey } from '../../http/idempotency.js';
import { IdParam } from '../../http/params.js';
import { normalizeInstant } from '../../shared/time.js';
import { AccessReason, ApiAuditedRead } from '../../read-audit/api/access-reason.js';
import { ReadAuditLog } from '../../read-audit/application/read-audit.log.js';
import { ExecuteOrderCommand, type OrderRequest } from '../application/order.commands.js';
import { OrderReader } from '../application/order-reader.js';
import type { OrderState } from '../domain/order.decider.js';
import type { QuoteIssued } from '../domain/order.events.js';
import {
  AcceptQuoteRequest,
  CheckInRequest,
  CompleteRequest,
  CreateOrderRequest,
  DispatchRequest,
  HistoryQuery,
  LineParam,
  PartRequest,
  PaymentRequest,
  QuantityLine,
  QuoteRequest,
  RatingRequest,
  ReasonRequest,
  RefundRequest,
} from './order.request.dto.js';
import { ChargeTrailDoc, CurrentOrderDoc, OrderHistoryDoc } from './order.response.dto.js';

/** The payer a line names, if it names one (`brand`: warranty work). */
const linePayer = (line: QuantityLine) => (line.payer ? { payer: line.payer } : {});

const ORDER_READERS = ['agent', 'supervisor', 'compliance', 'engineer', 'customer'] as const;

@ApiTags('orders')
@Controller('orders')
export class OrdersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly contexts: CommandContextFactory,
    private readonly reader: OrderReader,
    private readonly audit: ReadAuditLog,
  ) {}

  private async run(orderId: string, request: OrderRequest, actor: Actor, req: RequestWithCommandId, reason?: string) {
    const context = this.contexts.create(actor, commandIdOf(req), reason);
    const result: CommandResult<OrderState> = await this.commands.execute(new ExecuteOrderCommand(orderId, request, context));
    return commandResponse(orderId, result);
  }

  @Post()
  @Allow('agent', 'supervisor')
  @ApiOperation({ summary: 'Create a service order', description: '422 ORDER_ALREADY_EXISTS, REPEAT_OF_UNKNOWN_ORDER, REPEAT_OF_OTHER_CUSTOMER, REPEAT_OF_OTHER_APPLIANCE' })
  @ApiCreatedResponse({ type: CommandResponse })
  @ApiErrors(400, 409, 422)
  create(@Body() body: CreateOrderRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    const orderId = body.orderId ?? newIdFor(req);
    const { orderId: _, customer, product, appointment, ...rest } = body;
    const data = {
      ...rest,
      orderId,
      product: product.warrantyUntil ? { ...product, warrantyUntil: normalizeInstant(product.warrantyUntil) } : product,
      // A customer without an account id gets one (a UUID derived from the order id, so a retried
      // creation gives the same), and their token can be issued against it later.
      customer: { ...customer, customerId: customer.customerId ?? deriveEventId(`${orderId}:customer`, 0) },
      appointment: { from: normalizeInstant(appointment.from), to: normalizeInstant(appointment.to) },
    };
    return this.run(orderId, { type: 'CreateOrder', data: JSON.parse(JSON.stringify(data)) }, actor, req);
  }

  @Post(':id/quote')
  @Allow('agent', 'supervisor')
  @ApiOperation({
    summary: 'Quote the work from the rate card in force; returns quoteRevision and the priced lines',
    description: '422 RATE_CARD_NOT_FOUND, RATE_CARD_ITEM_NOT_FOUND, NOT_UNDER_WARRANTY, ORDER_NOT_OPEN',
  })
  @ApiCreatedResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  async quote(@Param() { id }: IdParam, @Body() body: QuoteRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    const context = this.contexts.create(actor, commandIdOf(req));
    const request: OrderRequest = { type: 'IssueQuote', data: { lines: body.lines.map((l) => ({ code: l.code, quantity: l.quantity, ...linePayer(l) })) } };
    const result: CommandResult<OrderState> = await this.commands.execute(new ExecuteOrderCommand(id, request, context));
    const { orderId: _, ...issued } = result.events[0]!.data as QuoteIssued['data'];
    return { ...commandResponse(id, result), ...issued };
  }

  @Post(':id/quote/accept')
  @HttpCode(200)
  @Allow('customer', 'agent', 'supervisor')
  @ApiOperation({ summary: "Accept a quote (the customer's consent to its customer total)", description: '422 QUOTE_NOT_FOUND, QUOTE_SUPERSEDED, QUOTE_ALREADY_ACCEPTED, ORDER_NOT_OPEN' })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  accept(@Param() { id }: IdParam, @Body() body: AcceptQuoteRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    return this.run(id, { type: 'AcceptQuote', data: { quoteRevision: body.quoteRevision } }, actor, req);
  }

  @Post(':id/dispatch')
  @HttpCode(200)
  @Allow('agent', 'supervisor')
  @ApiOperation({
    summary: 'Dispatch an engineer; the event records the credentials relied on',
    description: '422 ENGINEER_NOT_VERIFIED, ENGINEER_SUSPENDED, ENGINEER_WRONG_CATEGORY, ENGINEER_NOT_FOUND, ENGINEER_ALREADY_ON_SITE, ORDER_NOT_OPEN',
  })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  dispatch(@Param() { id }: IdParam, @Body() body: DispatchRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    return this.run(id, { type: 'DispatchEngineer', data: { engineerId: body.engineerId } }, actor, req);
  }

  @Post(':id/check-in')
  @HttpCode(200)
  @Allow('engineer')
  @ApiOperation({ summary: 'The dispatched engineer arrives', description: '422 ORDER_NOT_DISPATCHED, ALREADY_CHECKED_IN, ENGINEER_SUSPENDED, ORDER_NOT_OPEN' })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  checkIn(@Param() { id }: IdParam, @Body() body: CheckInRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    return this.run(id, { type: 'CheckIn', data: body.at ? { at: normalizeInstant(body.at) } : {} }, actor, req);
  }

  @Post(':id/parts')
  @HttpCode(200)
  @Allow('engineer')
  @RequiresIdempotencyKey()
  @ApiOperation({
    summary: 'Record a part or consumable used, priced from the rate card in force',
    description: '422 RATE_CARD_ITEM_NOT_FOUND, ITEM_KIND_MISMATCH, CHARGE_EXCEEDS_ACCEPTED_QUOTE, NOT_UNDER_WARRANTY, WARRANTY_LINE_NOT_QUOTED, ENGINEER_SUSPENDED, ORDER_NOT_CHECKED_IN, ORDER_NOT_OPEN. Idempotency-Key required.',
  })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  part(@Param() { id }: IdParam, @Body() body: PartRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    return this.run(id, { type: 'UsePart', data: { ...body } }, actor, req);
  }

  @Post(':id/charges')
  @HttpCode(200)
  @Allow('engineer')
  @RequiresIdempotencyKey()
  @ApiOperation({
    summary: 'Record a labour or fee line, priced from the rate card in force',
    description: '422 RATE_CARD_ITEM_NOT_FOUND, ITEM_KIND_MISMATCH, CHARGE_EXCEEDS_ACCEPTED_QUOTE, NOT_UNDER_WARRANTY, WARRANTY_LINE_NOT_QUOTED, ENGINEER_SUSPENDED, ORDER_NOT_CHECKED_IN, ORDER_NOT_OPEN. Idempotency-Key required.',
  })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  charge(@Param() { id }: IdParam, @Body() body: QuantityLine, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    return this.run(id, { type: 'AddCharge', data: { code: body.code, quantity: body.quantity, ...linePayer(body) } }, actor, req);
  }

  @Post(':id/charges/:lineId/void')
  @HttpCode(200)
  @Allow('agent', 'supervisor')
  @ApiOperation({ summary: 'Void a line (a correction: the line stays in the record, marked void)', description: '422 LINE_ALREADY_VOIDED; 404 for an unknown line' })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  void(@Param() { id, lineId }: LineParam, @Body() body: ReasonRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    return this.run(id, { type: 'VoidLine', data: { lineId, reason: body.reason } }, actor, req, body.reason);
  }

  @Post(':id/complete')
  @HttpCode(200)
  @Allow('engineer')
  @ApiOperation({ summary: 'The dispatched engineer completes the order', description: '422 ORDER_NOT_CHECKED_IN, ENGINEER_SUSPENDED, ORDER_NOT_OPEN' })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  complete(@Param() { id }: IdParam, @Body() body: CompleteRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    return this.run(id, { type: 'CompleteOrder', data: { ...body } }, actor, req);
  }

  @Post(':id/payments')
  @HttpCode(200)
  @Allow('agent', 'supervisor')
  @RequiresIdempotencyKey()
  @ApiOperation({
    summary: 'Record a payment by the customer',
    description: '422 PACKAGE_NO_EXTRA_CUSTOMER_CHARGE, PAYMENT_EXCEEDS_AMOUNT_DUE, ORDER_NOT_OPEN. Idempotency-Key required.',
  })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  pay(@Param() { id }: IdParam, @Body() body: PaymentRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    return this.run(id, { type: 'RecordPayment', data: { ...body } }, actor, req);
  }

  @Post(':id/refunds')
  @HttpCode(200)
  @Allow('agent', 'supervisor')
  @RequiresIdempotencyKey()
  @ApiOperation({ summary: 'Record a refund to the customer', description: '422 REFUND_EXCEEDS_PAYMENTS. Idempotency-Key required.' })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  refund(@Param() { id }: IdParam, @Body() body: RefundRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    return this.run(id, { type: 'RecordRefund', data: { ...body } }, actor, req, body.reason);
  }

  @Post(':id/rating')
  @HttpCode(200)
  @Allow('customer')
  @ApiOperation({ summary: 'The customer rates the completed order, once', description: '422 ALREADY_RATED, ORDER_NOT_COMPLETED, ORDER_NOT_OPEN' })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  rate(@Param() { id }: IdParam, @Body() body: RatingRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    return this.run(id, { type: 'RateOrder', data: { ...body } }, actor, req);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Allow('agent', 'supervisor')
  @ApiOperation({ summary: 'Cancel the order', description: '422 ORDER_NOT_OPEN' })
  @ApiOkResponse({ type: CommandResponse })
  @ApiErrors(400, 404, 409, 422)
  cancel(@Param() { id }: IdParam, @Body() body: ReasonRequest, @CurrentActor() actor: Actor, @Req() req: RequestWithCommandId) {
    return this.run(id, { type: 'CancelOrder', data: { reason: body.reason } }, actor, req, body.reason);
  }

  @Get(':id')
  @Allow(...ORDER_READERS)
  @ApiOperation({ summary: "The order's current state, folded from its events" })
  @ApiErrors(400, 404)
  @ApiOkResponse({ type: CurrentOrderDoc })
  async get(@Param() { id }: IdParam, @CurrentActor() actor: Actor) {
    const { state, events } = await this.reader.readable(id, actor);
    const last = events[events.length - 1]!;
    return { ...state, revision: last.revision, position: last.position.toString() };
  }

  @Get(':id/history')
  @Allow('agent', 'supervisor', 'compliance')
  @ApiOperation({ summary: 'Every event up to asOf (default: all), with envelopes, and the state as of then. The read is recorded in the read audit.' })
  @ApiAuditedRead()
  @ApiErrors(400, 404)
  @ApiOkResponse({ type: OrderHistoryDoc })
  async history(@Param() { id }: IdParam, @Query() query: HistoryQuery, @CurrentActor() actor: Actor, @AccessReason() reason?: string) {
    const asOf = query.asOf ? normalizeInstant(query.asOf) : undefined;
    const history = this.reader.history(await this.reader.readable(id, actor), asOf);
    await this.audit.record(actor, { orderId: id, what: 'history', channel: 'http', asOf, reason });
    return history;
  }

  @Get(':id/charge-trail')
  @Allow('agent', 'supervisor', 'compliance')
  @ApiOperation({
    summary: 'Every money event in order, with actor, time, rate-card and consent references, voids and running totals per payer. The read is recorded in the read audit.',
  })
  @ApiAuditedRead()
  @ApiErrors(400, 404)
  @ApiOkResponse({ type: ChargeTrailDoc })
  async trail(@Param() { id }: IdParam, @CurrentActor() actor: Actor, @AccessReason() reason?: string) {
    const order = await this.reader.readable(id, actor);
    const trail = this.reader.chargeTrail(order, await this.reader.complaintStreams(order));
    await this.audit.record(actor, { orderId: id, what: 'charge-trail', channel: 'http', reason });
    return trail;
  }
}
