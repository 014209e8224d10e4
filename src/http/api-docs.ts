import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

class ErrorDetailDoc {
  @ApiPropertyOptional({ description: 'The field at fault, as a path (e.g. customer.phone)' })
  field?: string;
  @ApiProperty()
  message!: string;
}

class ErrorDoc {
  @ApiProperty({ description: 'Stable UPPER_SNAKE code, e.g. VALIDATION_FAILED, CHARGE_EXCEEDS_ACCEPTED_QUOTE' })
  code!: string;
  @ApiProperty({ description: 'A human sentence' })
  message!: string;
  @ApiProperty({ type: [ErrorDetailDoc] })
  details!: ErrorDetailDoc[];
}

export class ErrorBodyDoc {
  @ApiProperty({ type: ErrorDoc })
  error!: ErrorDoc;
}

const MEANING: Record<number, string> = {
  400: 'VALIDATION_FAILED: a field is missing or malformed (details name each), an unknown field, or a missing Idempotency-Key',
  401: 'UNAUTHENTICATED: no bearer token, or an unknown one',
  403: 'FORBIDDEN: the role may not call this route, or not on this order',
  404: 'NOT_FOUND',
  409: 'CONCURRENCY_CONFLICT (after bounded retries) or IDEMPOTENCY_IN_PROGRESS',
  413: 'PAYLOAD_TOO_LARGE: body over 100 kB',
  422: 'a business rule refused the command; the code names it (see the route description)',
  503: 'PROJECTION_LAGGING: the read model has not reached minPosition in time',
};

/** Documents the contract's error responses on a route: the bearer scheme and `{error: ...}` bodies. */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(
    ApiBearerAuth(),
    ...[401, 403, 413, ...statuses].filter((s, i, all) => all.indexOf(s) === i).map((status) =>
      ApiResponse({ status, description: MEANING[status] ?? 'error', type: ErrorBodyDoc }),
    ),
  );
}
