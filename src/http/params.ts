import { ApiProperty } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { ID_PATTERN } from '../shared/ids.js';

/** `:id` path parameter: 1-64 characters of [A-Za-z0-9_-]. */
export class IdParam {
  @ApiProperty({ example: 'ord-1001' })
  @Matches(ID_PATTERN, { message: 'id must be 1-64 characters of A-Z a-z 0-9 _ -' })
  id!: string;
}
