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

/** How deep a JSON request body may nest (see http-server.ts). */
export const MAX_BODY_DEPTH = 32;

/**
 * Requests the HTTP server refuses before any route runs, by the server's error code (Fastify's,
 * or those http-server.ts raises the same way): the contract's status, code and message.
 */
const REQUEST_REFUSALS: Record<string, { status: number; code: string; message: string; field?: 'body' | 'path' }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'the request body is larger than the 100 kB limit' },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'VALIDATION_FAILED', message: 'the request body is not valid JSON', field: 'body' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'VALIDATION_FAILED', message: 'the request body is empty but its content type says JSON', field: 'body' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'request bodies must be application/json' },
  BODY_TOO_DEEP: { status: 400, code: 'VALIDATION_FAILED', message: `the request body nests more than ${MAX_BODY_DEPTH} levels deep`, field: 'body' },
  BODY_NOT_OBJECT: { status: 400, code: 'VALIDATION_FAILED', message: 'the request body must be a JSON object', field: 'body' },
  BODY_FORBIDDEN_KEY: {
    status: 400,
    code: 'VALIDATION_FAILED',
    message: 'the request body holds a key every object inherits (__proto__, constructor, toString ...), which is not accepted',
    field: 'body',
  },
  BODY_NOT_UTF8: { status: 400, code: 'VALIDATION_FAILED', message: 'the request body is not valid UTF-8', field: 'body' },
  BODY_CHARSET: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'request bodies must be application/json in UTF-8 (charset=utf-8 or none)' },
  FST_ERR_BAD_URL: { status: 400, code: 'VALIDATION_FAILED', message: 'the path is not valid percent-encoding', field: 'path' },
  FST_ERR_MAX_PARAM_LENGTH: { status: 400, code: 'VALIDATION_FAILED', message: 'a path parameter is longer than 2,048 characters', field: 'path' },
};

/** The contract's answer to a refusal raised before any route ran, if `code` names one. */
export function requestRefusal(code: unknown): { status: number; body: ErrorBody } | undefined {
  const refused = typeof code === 'string' ? REQUEST_REFUSALS[code] : undefined;
  if (!refused) return undefined;
  // The request as a whole is at fault: its body or its path is named as the field.
  const details = refused.field ? [{ field: refused.field, message: refused.message }] : [];
  return { status: refused.status, body: errorBody(refused.code, refused.message, details) };
}

/** Writes an error answer (or a replayed one) as the contract's JSON. */
export function sendJson(reply: FastifyReply, status: number, json: string): void {
  reply.status(status).type('application/json; charset=utf-8').send(json);
}

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
    const refused = requestRefusal((exception.cause as { code?: unknown } | undefined)?.code);
    if (refused) return refused;
    const status = exception.getStatus();
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
      sendJson(reply, exception.status, exception.body);
      return;
    }
    const { status, body } = toHttpError(exception);
    if (status >= 500) this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    if (reply.sent) return;
    sendJson(reply, status, JSON.stringify(body));
  }
}
