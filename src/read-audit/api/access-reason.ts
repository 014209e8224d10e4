import { applyDecorators, createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ValidationFailed } from '../../shared/domain-error.js';
import { checkReadReason } from '../domain/read-reason.js';
import { READ_REASON_MAX } from '../domain/read-audit.events.js';

export const ACCESS_REASON_HEADER = 'X-Access-Reason';

/**
 * The reason a reader gives in `X-Access-Reason`, percent-decoded as UTF-8 (HTTP header values
 * are ASCII, so `核查投诉` travels as `%E6%A0%B8...`; a literal `%` is `%25`). Absent: undefined.
 * A malformed, blank, over-long or control-character reason is a 400 naming the header, before
 * anything is read or recorded.
 */
export function parseAccessReason(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const fail = (message: string) =>
    new ValidationFailed(`${ACCESS_REASON_HEADER} ${message}`, [{ field: ACCESS_REASON_HEADER, message: `${ACCESS_REASON_HEADER} ${message}` }]);
  if (Array.isArray(header)) throw fail('must be given once');
  let decoded: string;
  try {
    decoded = decodeURIComponent(header);
  } catch {
    throw fail('is not valid percent-encoded UTF-8 (send a literal % as %25)');
  }
  const checked = checkReadReason(decoded);
  if ('problem' in checked) throw fail(checked.problem);
  return checked.reason;
}

/** The route parameter carrying the reader's stated reason (see parseAccessReason). */
export const AccessReason = createParamDecorator((_: unknown, context: ExecutionContext) =>
  parseAccessReason(context.switchToHttp().getRequest<FastifyRequest>().headers[ACCESS_REASON_HEADER.toLowerCase()]),
);

/** OpenAPI for routes whose reads are recorded in the read audit. */
export const ApiAuditedRead = () =>
  applyDecorators(
    ApiHeader({
      name: ACCESS_REASON_HEADER,
      required: false,
      description: `Why you read this (recorded in the read audit with who and when): 1-${READ_REASON_MAX} characters, percent-encoded UTF-8 for non-ASCII text`,
    }),
  );
