import { Module } from '@nestjs/common';
import { ReadAuditController } from './api/read-audit.controller.js';
import { ReadAuditLog, RecordedReads } from './application/read-audit.log.js';

/** Recording reads of orders' records (for the routes that read them) and listing them for compliance. */
@Module({
  controllers: [ReadAuditController],
  providers: [{ provide: ReadAuditLog, useClass: RecordedReads }],
  exports: [ReadAuditLog],
})
export class ReadAuditModule {}
