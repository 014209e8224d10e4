import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../../auth/actor.decorator.js';
import { Allow } from '../../auth/policy.decorator.js';
import type { Actor } from '../../event-store/envelope.js';
import { ApiErrors } from '../../http/api-docs.js';
import { IdParam } from '../../http/params.js';
import { AccessReason, ApiAuditedRead } from '../../read-audit/api/access-reason.js';
import { ReadAuditLog } from '../../read-audit/application/read-audit.log.js';
import { EvidenceBuilder } from '../evidence.js';

@ApiTags('orders')
@Controller('orders')
export class EvidenceController {
  constructor(
    private readonly evidence: EvidenceBuilder,
    private readonly audit: ReadAuditLog,
  ) {}

  @Get(':id/evidence')
  @Allow('compliance', 'agent', 'supervisor')
  @ApiOperation({
    summary:
      "The order's evidence bundle: every event of the order and its complaints with envelopes and hashes, the rate-card versions relied on, the engineer credentials relied on at dispatch, the bill, the charge trail (JSON and CSV) and the verification result. The read is recorded in the read audit.",
    description: 'The CLI `service-ledger export --order ID --out DIR` writes the same bundle as files with a manifest and a standalone verify.mjs.',
  })
  @ApiAuditedRead()
  @ApiErrors(400, 404)
  async get(@Param() { id }: IdParam, @CurrentActor() actor: Actor, @AccessReason() reason?: string) {
    const bundle = await this.evidence.build(id);
    await this.audit.record(actor, { orderId: id, what: 'evidence', channel: 'http', reason });
    return bundle;
  }
}
