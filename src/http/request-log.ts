import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options } from 'pino-http';

/** Health checks and metrics scrapes come every few seconds and say nothing about the ledger. */
const UNLOGGED = new Set(['/health', '/metrics']);

type LoggedRequest = IncomingMessage & { id?: unknown; originalUrl?: string };

/** How a request appears in the logs: its id, method and path (with the query), nothing else. */
function requestLine(req: LoggedRequest): { id: unknown; method?: string; url?: string } {
  return { id: req.id, method: req.method, url: req.originalUrl ?? req.url };
}

/**
 * The request log (pino-http): one line per finished request, with its id, method, path, status
 * and time taken. Each request's logger binds only the request id, so nothing about a request is
 * serialized unless a line is written. Headers are never logged: they carry bearer tokens and
 * idempotency keys, and bodies customers' data. A server error (5xx) is logged at error level, so
 * it shows even when LOG_LEVEL hides the rest; a refused request (4xx) is an answer, logged as info.
 */
export function requestLogOptions(level: string): Options<LoggedRequest, ServerResponse> {
  return {
    level,
    autoLogging: { ignore: (req) => UNLOGGED.has((req.originalUrl ?? req.url ?? '').split('?')[0]!) },
    customLogLevel: (_req, res, error) => (error || res.statusCode >= 500 ? 'error' : 'info'),
    quietReqLogger: true,
    quietResLogger: true,
    wrapSerializers: false,
    serializers: { req: requestLine, res: (res: ServerResponse) => ({ statusCode: res.statusCode }) },
    customSuccessObject: (req, _res, value) => ({ req: requestLine(req), ...value }),
    customErrorObject: (req, _res, _error, value) => ({ req: requestLine(req), ...value }),
  };
}
