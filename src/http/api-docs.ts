import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiProperty, ApiPropertyOptional, ApiResponse, type OpenAPIObject } from '@nestjs/swagger';

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
  400: 'VALIDATION_FAILED: a field, path or query parameter is missing or malformed, or unknown (details name each); for a body: not a JSON object in UTF-8; a missing or malformed Idempotency-Key where one is required',
  401: 'UNAUTHENTICATED: no bearer token, or an unknown one',
  403: 'FORBIDDEN: the role may not call this route, or not on this order',
  404: 'NOT_FOUND',
  409: 'CONCURRENCY_CONFLICT (after bounded retries) or IDEMPOTENCY_IN_PROGRESS',
  413: 'PAYLOAD_TOO_LARGE: body over 100 kB',
  415: 'UNSUPPORTED_MEDIA_TYPE: a non-empty body that is not application/json in UTF-8',
  422: 'a business rule refused the command; the code names it (see the route description). IDEMPOTENCY_KEY_REUSED: the Idempotency-Key was used before with another body',
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

/** API.md: an Idempotency-Key is 1-128 visible ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,128}$/;

/** The Idempotency-Key header as the contract defines it (API.md, Conventions). */
const IDEMPOTENCY_KEY_HEADER = {
  name: 'Idempotency-Key',
  in: 'header',
  schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN.source },
  description:
    '1-128 visible ASCII characters. The same key with the same body returns the first response again and records nothing; with another body, 422 IDEMPOTENCY_KEY_REUSED. ' +
    'A request refused as malformed (400), a conflict (409) or a server error frees the key for the corrected or retried request.',
};

/**
 * What holds for every POST of the contract, added to the generated document: the
 * Idempotency-Key header (required on the money-moving routes, which declare it themselves)
 * and the 415 answer to a body that is not JSON.
 */
export function withPostConventions(document: OpenAPIObject): OpenAPIObject {
  for (const path of Object.values(document.paths)) {
    const post = path.post;
    if (!post) continue;
    post.parameters ??= [];
    const declared = post.parameters.some((p) => 'name' in p && p.name === IDEMPOTENCY_KEY_HEADER.name);
    if (!declared) post.parameters.push({ ...IDEMPOTENCY_KEY_HEADER, in: 'header', required: false });
    post.responses['415'] ??= { description: MEANING[415]!, content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBodyDoc' } } } };
  }
  return document;
}

/** Money-moving commands: the Idempotency-Key header is required (documented; enforced by the idempotency interceptor). */
export const ApiRequiredIdempotencyKey = () =>
  ApiHeader({ name: IDEMPOTENCY_KEY_HEADER.name, required: true, description: IDEMPOTENCY_KEY_HEADER.description, schema: IDEMPOTENCY_KEY_HEADER.schema });
