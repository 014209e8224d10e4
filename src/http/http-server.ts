import type { Socket } from 'node:net';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, MAX_BODY_DEPTH, requestRefusal, sendJson, toHttpError } from './error.filter.js';

/** A body refusal raised as Fastify's own parsers raise theirs; the error filter answers it by its code (requestRefusal). */
function refusal(code: string): FastifyError {
  const { status } = requestRefusal(code)!;
  return Object.assign(new Error(code), { statusCode: status, code, name: 'FastifyError' }) as FastifyError;
}

/** How many `[` and `{` a text holds: a JSON text cannot nest deeper than that. */
function openings(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) n++;
  }
  return n;
}

/** Whether a parsed JSON value nests deeper than `limit` (walked without recursion). */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(node)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * The HTTP server: Fastify, set up so that the contract holds for whatever a client sends.
 * - Bodies are JSON: parsed by Fastify's own parser (it refuses `__proto__` and `constructor`
 *   keys), an object or an array (a bare string, number or null is not a request), at most
 *   MAX_BODY_DEPTH deep; an empty body reads as `{}`, so commands without fields may be sent
 *   with no body. An empty body of any other type is no body; a non-empty one is 415.
 * - Paths match whatever their case, with or without a trailing slash; a path parameter may be
 *   long enough for validation to refuse it by name; a path that is not valid %-encoding is 400.
 * - Requests Node refuses before any route (malformed, headers too large) are answered in the
 *   contract's error shape too.
 * - Timeouts as Node's defaults: 300 s for a whole request, 5 s for an idle keep-alive connection.
 */
export function httpServer(bodyLimit: number): FastifyAdapter {
  const adapter = new FastifyAdapter({
    bodyLimit,
    requestTimeout: 300_000,
    keepAliveTimeout: 5_000,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 2_048 },
    // A path that is not valid %-encoding; anything else Fastify reports here is the server's fault.
    frameworkErrors: (error: FastifyError, _request: FastifyRequest, reply: FastifyReply) => {
      const { status, body } = requestRefusal(error.code) ?? toHttpError(error);
      sendJson(reply, status, JSON.stringify(body));
    },
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => {
      if (!socket.writable) return;
      const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
      const body = JSON.stringify(
        tooLarge ? errorBody('REQUEST_HEADER_FIELDS_TOO_LARGE', 'the request line or headers are too large') : errorBody('BAD_REQUEST', 'the request is not valid HTTP'),
      );
      socket.end(
        `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
  });
  const fastify = adapter.getInstance();
  const json = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = String(body);
    if (text === '') return done(null, {});
    json(request, text, (error: Error | null, value?: unknown) => {
      if (error) return done(error);
      if (value === null || typeof value !== 'object') return done(refusal('FST_ERR_CTP_INVALID_JSON_BODY'));
      // Only a text with enough brackets can nest too deep: the usual body is not walked.
      if (openings(text) > MAX_BODY_DEPTH && nestsDeeperThan(value, MAX_BODY_DEPTH)) return done(refusal('BODY_TOO_DEEP'));
      done(null, value);
    });
  });
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) =>
    body === '' ? done(null, undefined) : done(refusal('FST_ERR_CTP_INVALID_MEDIA_TYPE')),
  );
  return adapter;
}
