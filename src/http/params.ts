import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches } from 'class-validator';
import { ID_PATTERN } from '../shared/ids.js';

/** `:id` path parameter: 1-64 characters of [A-Za-z0-9_-]. */
export class IdParam {
  @ApiProperty({ example: 'ord-1001' })
  @Matches(ID_PATTERN, { message: 'id must be 1-64 characters of A-Z a-z 0-9 _ -' })
  id!: string;
}

/** The body of commands that only give a reason (revoke, suspend, void, cancel, ...). */
export class ReasonRequest {
  @ApiProperty({ example: 'entered twice by mistake' })
  @IsString()
  @Length(1, 500)
  reason!: string;
}
