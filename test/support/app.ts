import type { INestApplication } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/bootstrap.js';
import { type AppConfig, loadConfig } from '../../src/config/config.js';
import { FixedClock } from '../../src/shared/clock.js';
import { DATABASE_URL, freshSchema } from './postgres.js';

export type TestStore = 'embedded' | 'postgres';

export interface TestApp {
  app: INestApplication;
  http: ReturnType<INestApplication['getHttpServer']>;
  clock: FixedClock;
  config: AppConfig;
  close(): Promise<void>;
}

export const TEST_START = '2026-05-04T09:00:00.000Z';

/** The real application on a fresh embedded store (temp dir) or a fresh PostgreSQL schema. */
export async function startTestApp(store: TestStore = 'embedded', env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'service-ledger-'));
  const pg = store === 'postgres' ? await freshSchema('app') : null;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    STORE: store,
    DATA_DIR: dataDir,
    ...(pg ? { DATABASE_URL: DATABASE_URL!, PG_SCHEMA: pg.schema } : {}),
    ...env,
  });
  const clock = new FixedClock(TEST_START);
  const app = await createApp(config, clock);
  await app.init();
  // Fastify answers only once its plugins have loaded (listen() waits for that; supertest does not).
  await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  return {
    app,
    http: app.getHttpServer(),
    clock,
    config,
    close: async () => {
      await app.close();
      await pg?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const auth = (role: string) => ({ Authorization: `Bearer demo-${role}` });
