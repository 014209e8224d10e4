import type { Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, MAX_BODY_DEPTH, requestRefusal, sendJson, toHttpError } from './error.filter.js';

const log = new Logger('HttpServer');

/** A body refusal raised as Fastify's own parsers raise theirs; the error filter answers it by its code (requestRefusal). */
function refusal(code: string): FastifyError {
  const { status } = requestRefusal(code)!;
  return Object.assign(new Error(code), { statusCode: status, code, name: 'FastifyError' }) as FastifyError;
}

/** Request bodies are UTF-8: a byte sequence that is not is refused, never turned into replacement characters. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Whether a Content-Type names no charset or UTF-8 (the only one JSON bodies may use). */
function isUtf8Charset(contentType: string | undefined): boolean {
  const charset = /;\s*charset\s*=\s*"?([^";\s]*)/i.exec(contentType ?? '')?.[1];
  return charset === undefined || /^utf-?8$/i.test(charset);
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
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

/** Whether some object or array in a parsed JSON value, at its depth (1: the value itself), passes `test` (walked without recursion). */
function someNode(value: unknown, test: (node: object, depth: number) => boolean): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (test(node, depth)) return true;
    for (const child of Object.values(node)) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return false;
}

/**
 * Keys that name what every object inherits (`constructor`, `toString`, `__proto__` ...): class
 * validation would take them for declared fields and drop them without a word, so a body that
 * holds one is refused. Texts without such a name in quotes before a colon are not walked.
 */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));
const MAY_HOLD_INHERITED_KEY = new RegExp(`"(?:${[...INHERITED].join('|')})"\\s*:`);
const holdsInheritedKey = (text: string, value: unknown) =>
  MAY_HOLD_INHERITED_KEY.test(text) && someNode(value, (node) => !Array.isArray(node) && Object.keys(node).some((key) => INHERITED.has(key)));

/**
 * The HTTP server: Fastify, set up so that the contract holds for whatever a client sends.
 * - Bodies are JSON objects in UTF-8: parsed by Fastify's own parser, without keys every object
 *   inherits (`__proto__`, `constructor`, `toString` ...), at most MAX_BODY_DEPTH deep; an array,
 *   bare string, number or null is not a request, bytes that are not UTF-8 are refused, as is
 *   another declared charset (415). An empty body reads as `{}`, so commands without fields may
 *   be sent with no body. An empty body of any other type is no body; a non-empty one is 415.
 * - Paths match whatever their case, with or without a trailing slash; a path parameter may be
 *   long enough for validation to refuse it by name (past that, 400 all the same); a path that
 *   is not valid %-encoding is 400.
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
    // A path that is not valid %-encoding, or a path parameter past maxParamLength; anything
    // else Fastify reports here (before any route, so before the request log) is the server's
    // fault, and logged as such.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const refused = requestRefusal(error.code);
      if (!refused) log.error(`${request.method} ${request.url} failed before routing: ${error.stack ?? error.message}`);
      const { status, body } = refused ?? toHttpError(error);
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
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    if (!isUtf8Charset(request.headers['content-type'])) return done(refusal('BODY_CHARSET'));
    let text: string;
    try {
      text = UTF8.decode(body as Buffer);
    } catch {
      return done(refusal('BODY_NOT_UTF8'));
    }
    if (text === '') return done(null, {});
    json(request, text, (error: Error | null, value?: unknown) => {
      // Valid JSON that Fastify's parser refused holds a `__proto__` or `constructor` key.
      if (error) return done(isJson(text) ? refusal('BODY_FORBIDDEN_KEY') : error);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return done(refusal('BODY_NOT_OBJECT'));
      // Only a text with enough brackets can nest too deep: the usual body is not walked.
      if (openings(text) > MAX_BODY_DEPTH && someNode(value, (_, depth) => depth > MAX_BODY_DEPTH)) return done(refusal('BODY_TOO_DEEP'));
      if (holdsInheritedKey(text, value)) return done(refusal('BODY_FORBIDDEN_KEY'));
      done(null, value);
    });
  });
  fastify.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) =>
    body === '' ? done(null, undefined) : done(refusal('FST_ERR_CTP_INVALID_MEDIA_TYPE')),
  );
  return adapter;
}
