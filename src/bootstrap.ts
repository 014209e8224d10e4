import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/config.js';
import { createValidationPipe } from './http/validation.js';
import type { Clock } from './shared/clock.js';

/**
 * JSON bodies are parsed by Fastify's own parser (it refuses `__proto__` and `constructor` keys),
 * except that an empty body sent as JSON reads as `{}`: commands without fields (a check-in) may
 * be sent with no body at all.
 */
function acceptEmptyJson(adapter: FastifyAdapter): void {
  const fastify = adapter.getInstance();
  const json = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    body === '' ? done(null, {}) : json(request, String(body), done),
  );
}

/** Builds the HTTP application exactly as `main.ts` serves it; tests use it too. */
export async function createApp(config: AppConfig, clock?: Clock): Promise<INestApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    // Paths match as the contract writes them, whatever their case and with or without a trailing slash.
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true },
  });
  acceptEmptyJson(adapter);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, clock), adapter, {
    bufferLogs: true,
    // Request bodies are JSON only, parsed as acceptEmptyJson says (Nest would add its own parsers).
    bodyParser: false,
    // Start-up errors are thrown to the caller (main.ts reports them and exits), never a silent exit.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(createValidationPipe());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('service-ledger')
      .setDescription(
        'Event-sourced ledger for home-appliance after-sales service. Money is integer fen; times are ISO-8601 UTC. ' +
          'Errors: {"error": {"code", "message", "details"}}. Money-moving commands require an Idempotency-Key header.',
      )
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  app.enableShutdownHooks();
  return app;
}
