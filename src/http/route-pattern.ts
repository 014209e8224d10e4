import type { FastifyRequest } from 'fastify';

/** The route a request matched, as declared (`/orders/:id/charges`), or its path when none matched. */
export function routePattern(request: FastifyRequest): string {
  return request.routeOptions?.url ?? request.url.split('?')[0]!;
}
