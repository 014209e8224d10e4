import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length, Matches, ValidateBy } from 'class-validator';
import { isIsoInstant } from '../shared/time.js';
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

/**
 * An ISO-8601 instant with a date, a time and a zone (Z or an offset), e.g.
 * 2026-05-04T10:00:00Z: week dates, ordinal dates and zone-less times are refused, so no value
 * is read in the server's local time zone.
 */
export function IsInstant(field: string) {
  return ValidateBy({
    name: 'isInstant',
    validator: {
      validate: (value: unknown) => isIsoInstant(value),
      defaultMessage: () => `${field} must be an ISO-8601 instant with a time zone, e.g. 2026-05-04T10:00:00Z`,
    },
  });
}
