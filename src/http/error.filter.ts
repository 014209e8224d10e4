import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { IdempotencyConflict, InvalidAppend, WrongExpectedRevision } from '../event-store/event-store.port.js';
import { DomainError, type ErrorDetail, type ErrorKind } from '../shared/domain-error.js';
import { ReplayedResponse } from './replayed-response.js';

const STATUS: Record<ErrorKind, number> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  rule: 422,
  unavailable: 503,
};

const HTTP_CODES: Record<number, string> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** Requests the HTTP server refuses before any route runs, by the server's error code. */
const REQUEST_REFUSALS: Record<string, { code: string; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', message: 'the request body is larger than the 100 kB limit' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'VALIDATION_FAILED', message: 'the request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'VALIDATION_FAILED', message: 'the request body is empty but its content type says JSON' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', message: 'request bodies must be application/json' },
  BODY_TOO_DEEP: { code: 'VALIDATION_FAILED', message: 'the request body nests more than 32 levels deep' },
};

export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[] };
}

export function errorBody(code: string, message: string, details: ErrorDetail[] = []): ErrorBody {
  return { error: { code, message, details } };
}

/** Maps any thrown error to the contract's status and `{error: {code, message, details}}` body. */
export function toHttpError(exception: unknown): { status: number; body: ErrorBody } {
  if (exception instanceof DomainError) {
    return { status: STATUS[exception.kind], body: errorBody(exception.code, exception.message, exception.details) };
  }
  if (exception instanceof WrongExpectedRevision) {
    return { status: 409, body: errorBody('CONCURRENCY_CONFLICT', exception.message) };
  }
  if (exception instanceof IdempotencyConflict) {
    return { status: 422, body: errorBody('IDEMPOTENCY_KEY_REUSED', exception.message) };
  }
  if (exception instanceof InvalidAppend) {
    return { status: 400, body: errorBody('VALIDATION_FAILED', exception.message) };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const refused = REQUEST_REFUSALS[(exception.cause as { code?: unknown } | undefined)?.code as string];
    if (refused) return { status, body: errorBody(refused.code, refused.message) };
    const response = exception.getResponse();
    const message =
      typeof response === 'string'
        ? response
        : String((response as { message?: unknown }).message ?? exception.message);
    return { status, body: errorBody(HTTP_CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST'), message) };
  }
  return { status: 500, body: errorBody('INTERNAL', 'an internal error occurred; it has been logged') };
}

@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception instanceof ReplayedResponse) {
      reply.status(exception.status).type('application/json; charset=utf-8').send(exception.body);
      return;
    }
    const { status, body } = toHttpError(exception);
    if (status >= 500) this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    if (reply.sent) return;
    reply.status(status).type('application/json; charset=utf-8').send(JSON.stringify(body));
  }
}
