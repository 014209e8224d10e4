// Stands in for `content-disposition` under Jest only. The package is ES-module-only and
// @fastify/static (which serves the Swagger UI at /docs) `require`s it; Node loads that, Jest's
// module runtime cannot. @fastify/static calls it only for `reply.download()`, which the service
// never uses, so here it refuses to run rather than pretend.
'use strict';
function unavailable() {
  throw new Error('content-disposition is not available under Jest (the service never sends downloads)');
}
module.exports = { create: unavailable, parse: unavailable };
