import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import { IsInstant } from '../../http/params.js';
import { ID_PATTERN } from '../../shared/ids.js';
import { PageQuery } from '../../read-models/api/read-model.query.dto.js';

export class ReadAuditQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only reads of this order' })
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'orderId must be 1-64 characters of A-Z a-z 0-9 _ -' })
  orderId?: string;

  @ApiPropertyOptional({ description: 'Only reads by this actor (a token actor id, or cli:<user> for the CLI)' })
  @IsOptional()
  @Matches(/^[\x21-\x7e]{1,128}$/, { message: 'actorId must be 1-128 visible ASCII characters' })
  actorId?: string;

  @ApiPropertyOptional({ description: 'Reads recorded at or after this instant' })
  @IsOptional()
  @IsInstant('from')
  from?: string;

  @ApiPropertyOptional({ description: 'Reads recorded before this instant' })
  @IsOptional()
  @IsInstant('to')
  to?: string;
}
