import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags, type SchemaObject } from '@nestjs/swagger';
import { BILL_LINES_TABLE, BILLS_TABLE } from '../../../projections/bills.projection.js';
import { COMPLAINT_VIEWS_TABLE } from '../../../projections/complaints.projection.js';
import { ENGINEER_SCORES_TABLE } from '../../../projections/engineer-scores.projection.js';
import { maskName, maskPhone } from '../../../projections/mask.js';
import type { Row } from '../../../projections/projection.js';
import { CurrentActor } from '../../auth/actor.decorator.js';
import { Allow } from '../../auth/policy.decorator.js';
import type { Actor } from '../../event-store/envelope.js';
import { ApiErrors } from '../../http/api-docs.js';
import { IdParam } from '../../http/params.js';
import { Forbidden, NotFound } from '../../shared/domain-error.js';
import { normalizeInstant } from '../../shared/time.js';
import { type Page, ReadModelQueries } from '../read-model-queries.js';
import { camel, rowToJson as toJson } from '../row-json.js';
import { COMPLAINT_STAT_DIMENSIONS } from '../views.js';
import { BillsQuery, ComplaintsQuery, ComplaintStatsQuery, ReadModelQuery, ScoresQuery } from './read-model.query.dto.js';
import { oneSchema, pageSchema, POSITION, rowSchema } from './row-schema.js';

/** Who reads the read models; customers and engineers only what is theirs (checked per row). */
const READERS = ['agent', 'supervisor', 'compliance', 'analyst'] as const;
const DEFAULT_LIMIT = 50;

const OVERDUE: SchemaObject = { type: 'boolean', description: 'Past a deadline it has not met, as of now (the service clock)' };
const COUNT = (description: string): SchemaObject => ({ type: 'integer', description });
const COMPLAINT_STATS: SchemaObject = {
  type: 'object',
  properties: {
    by: { type: 'string', enum: Object.keys(COMPLAINT_STAT_DIMENSIONS) },
    items: {
      type: 'array',
      items: {
        type: 'object',
        description: 'One value of the dimension (by=engineer leaves out complaints no engineer is linked to)',
        properties: {
          ...Object.fromEntries(
            Object.entries(COMPLAINT_STAT_DIMENSIONS).map(([by, column]) => [camel(column), { type: 'string', description: `The ${by} counted (present when by=${by})` }]),
          ),
          complaints: COUNT('Complaints filed'),
          openComplaints: COUNT('Of them, not resolved'),
          upheld: COUNT('Resolved upheld or partially upheld'),
          compensatedFen: COUNT('Advance compensation paid on them, in fen'),
          ackBreached: COUNT('Acknowledged (or resolved without an acknowledgement) after the deadline'),
          resolveBreached: COUNT('Resolved after the deadline'),
        },
      },
    },
    position: POSITION,
  },
  required: ['by', 'items', 'position'],
};


/**
 * API.md: analysts read the read models with the customer's name and phone masked (and the
 * street address withheld); every other reader sees them in full.
 */
function forReader(row: Row, actor: Actor): Row {
  if (actor.role !== 'analyst' || !('customer_name' in row)) return row;
  return {
    ...row,
    customer_name: maskName(String(row.customer_name)),
    customer_phone: maskPhone(String(row.customer_phone)),
    customer_address: '***',
  };
}

@ApiTags('read models')
@Controller()
export class ReadModelsController {
  constructor(private readonly queries: ReadModelQueries) {}

  private pageJson(page: Page, position: string | null, actor: Actor, extra: (row: Row) => Record<string, unknown> = () => ({})) {
    return { items: page.items.map((r) => ({ ...toJson(forReader(r, actor)), ...extra(r) })), nextCursor: page.nextCursor, position };
  }

  @Get('orders/:id/bill')
  @Allow('customer', ...READERS)
  @ApiOperation({ summary: 'The electronic bill of an order: every line with its rate-card reference, voids, totals per payer, paid, refunded, compensated, balance due' })
  @ApiErrors(400, 404, 503)
  @ApiOkResponse({ schema: oneSchema(rowSchema(BILLS_TABLE, { lines: { type: 'array', items: rowSchema(BILL_LINES_TABLE) } })) })
  async bill(@Param() { id }: IdParam, @Query() query: ReadModelQuery, @CurrentActor() actor: Actor) {
    const position = await this.queries.waitFor('bills', query.minPosition);
    const { bill, lines } = await this.queries.bill(id);
    if (actor.role === 'customer' && bill.customer_id !== actor.id) throw new Forbidden(`customer ${actor.id} may read only the bills of their own orders`);
    return { ...toJson(forReader(bill, actor)), lines: lines.map(toJson), position };
  }

  @Get('bills')
  @Allow(...READERS)
  @ApiOperation({ summary: 'Bills, newest first, filtered by brand, city and creation time [from, to)' })
  @ApiErrors(400, 503)
  @ApiOkResponse({ schema: pageSchema(rowSchema(BILLS_TABLE)) })
  async bills(@Query() query: BillsQuery, @CurrentActor() actor: Actor) {
    const position = await this.queries.waitFor('bills', query.minPosition);
    const filter = {
      brand: query.brand,
      city: query.city,
      from: query.from ? normalizeInstant(query.from) : undefined,
      to: query.to ? normalizeInstant(query.to) : undefined,
    };
    return this.pageJson(await this.queries.bills(filter, query.limit ?? DEFAULT_LIMIT, query.cursor), position, actor);
  }

  @Get('engineers/:id/score')
  @Allow('engineer', ...READERS)
  @ApiOperation({ summary: "An engineer's quality score (policy v1) with every input count, the population means, the window and the policy version" })
  @ApiErrors(400, 404, 503)
  @ApiOkResponse({ schema: oneSchema(rowSchema(ENGINEER_SCORES_TABLE)) })
  async score(@Param() { id }: IdParam, @Query() query: ReadModelQuery, @CurrentActor() actor: Actor) {
    const position = await this.queries.waitFor('engineer-scores', query.minPosition);
    const row = await this.queries.one('engineer_scores', [id]);
    if (!row) throw new NotFound('score of engineer', id);
    if (actor.role === 'engineer' && actor.id !== id) throw new Forbidden(`engineer ${actor.id} may read only their own score`);
    return { ...toJson(row), position };
  }

  @Get('engineer-scores')
  @Allow(...READERS)
  @ApiOperation({ summary: 'Engineer scores, best first, filtered by tier and home city' })
  @ApiErrors(400, 503)
  @ApiOkResponse({ schema: pageSchema(rowSchema(ENGINEER_SCORES_TABLE)) })
  async scores(@Query() query: ScoresQuery, @CurrentActor() actor: Actor) {
    const position = await this.queries.waitFor('engineer-scores', query.minPosition);
    return this.pageJson(await this.queries.scores({ tier: query.tier, city: query.city }, query.limit ?? DEFAULT_LIMIT, query.cursor), position, actor);
  }

  @Get('complaints')
  @Allow(...READERS)
  @ApiOperation({ summary: 'The complaint queue, oldest first: owner, status, SLA deadlines and whether each was met; overdue is judged as of now' })
  @ApiErrors(400, 503)
  @ApiOkResponse({ schema: pageSchema(rowSchema(COMPLAINT_VIEWS_TABLE, { overdue: OVERDUE })) })
  async complaints(@Query() query: ComplaintsQuery, @CurrentActor() actor: Actor) {
    const position = await this.queries.waitFor('complaints', query.minPosition);
    const filter = {
      status: query.status,
      category: query.category,
      brand: query.brand,
      engineerId: query.engineerId,
      city: query.city,
      overdue: query.overdue === undefined ? undefined : query.overdue === 'true',
    };
    const page = await this.queries.complaints(filter, query.limit ?? DEFAULT_LIMIT, query.cursor);
    return this.pageJson(page, position, actor, (r) => ({ overdue: this.queries.overdue(r) }));
  }

  @Get('complaints/:id')
  @Allow('customer', ...READERS)
  @ApiOperation({ summary: 'One complaint view row' })
  @ApiErrors(400, 404, 503)
  @ApiOkResponse({ schema: oneSchema(rowSchema(COMPLAINT_VIEWS_TABLE, { overdue: OVERDUE })) })
  async complaint(@Param() { id }: IdParam, @Query() query: ReadModelQuery, @CurrentActor() actor: Actor) {
    const position = await this.queries.waitFor('complaints', query.minPosition);
    const row = await this.queries.one('complaint_views', [id]);
    if (!row) throw new NotFound('complaint', id);
    if (actor.role === 'customer' && row.customer_id !== actor.id) throw new Forbidden(`customer ${actor.id} may read only their own complaints`);
    return { ...toJson(row), overdue: this.queries.overdue(row), position };
  }

  @Get('complaint-stats')
  @Allow(...READERS)
  @ApiOperation({ summary: 'Complaint aggregates by category, brand, engineer or city: filed, open, upheld, compensated, SLA breaches' })
  @ApiErrors(400, 503)
  @ApiOkResponse({ schema: COMPLAINT_STATS })
  async complaintStats(@Query() query: ComplaintStatsQuery) {
    const by = query.by ?? 'category';
    const position = await this.queries.waitFor('complaints', query.minPosition);
    return { by, items: (await this.queries.complaintStats(by)).map(toJson), position };
  }
}
