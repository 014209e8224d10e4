import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { READ_AUDIT_TABLE } from '../../../projections/read-audit.projection.js';
import { Allow } from '../../auth/policy.decorator.js';
import { ApiErrors } from '../../http/api-docs.js';
import { ReadModelQueries } from '../../read-models/read-model-queries.js';
import { pageSchema, rowSchema } from '../../read-models/api/row-schema.js';
import { rowToJson } from '../../read-models/row-json.js';
import { normalizeInstant } from '../../shared/time.js';
import { ReadAuditQuery } from './read-audit.query.dto.js';

const DEFAULT_LIMIT = 50;

@ApiTags('read audit')
@Controller('read-audit')
export class ReadAuditController {
  constructor(private readonly queries: ReadModelQueries) {}

  /** API.md: compliance reads everything; agents read everything but the read audit. */
  @Get()
  @Allow('compliance')
  @ApiOperation({
    summary: "Recorded reads of orders' histories, charge trails and evidence, newest first: who, role, when, what, asOf, reason",
    description: '`from`/`to` bound the read time as [from, to). Keyset pages: pass nextCursor back as cursor. `minPosition` waits for the read-audit projection.',
  })
  @ApiErrors(400, 503)
  @ApiOkResponse({ schema: pageSchema(rowSchema(READ_AUDIT_TABLE)) })
  async list(@Query() query: ReadAuditQuery) {
    const position = await this.queries.waitFor('read-audit', query.minPosition);
    const filter = {
      orderId: query.orderId,
      actorId: query.actorId,
      from: query.from ? normalizeInstant(query.from) : undefined,
      to: query.to ? normalizeInstant(query.to) : undefined,
    };
    const page = await this.queries.readAudit(filter, query.limit ?? DEFAULT_LIMIT, query.cursor);
    return { items: page.items.map(rowToJson), nextCursor: page.nextCursor, position };
  }
}
