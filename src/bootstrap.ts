import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config/config.js';
import { withPostConventions } from './http/api-docs.js';
import { httpServer } from './http/http-server.js';
import { createValidationPipe } from './http/validation.js';
import type { Clock } from './shared/clock.js';

/** Builds the HTTP application exactly as `main.ts` serves it; tests use it too. */
export async function createApp(config: AppConfig, clock?: Clock): Promise<INestApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config, clock), httpServer(config.bodyLimitBytes), {
    bufferLogs: true,
    // Request bodies are parsed as httpServer says (Nest would add parsers of its own).
    bodyParser: false,
    // Start-up errors are thrown to the caller (main.ts reports them and exits), never a silent exit.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.useGlobalPipes(createValidationPipe());
  const document = withPostConventions(SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('service-ledger')
      .setDescription(
        'Event-sourced ledger for home-appliance after-sales service. Money is integer fen; times are ISO-8601 UTC. ' +
          'Errors: {"error": {"code", "message", "details"}}. Money-moving commands require an Idempotency-Key header.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', bearerFormat: 'opaque token', description: 'A token mapped to an actor and role by configuration (demo-<role> outside production); not a JWT' })
      .build(),
  ));
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  app.enableShutdownHooks();
  return app;
}
