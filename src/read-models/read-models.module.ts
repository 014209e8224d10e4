import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { allProjections } from '../../projections/index.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { openSqlDatabase } from '../persistence/sql-database.js';
import { type Clock, CLOCK } from '../shared/clock.js';
import { ReadModelsController } from './api/read-models.controller.js';
import { ProjectionRunner } from './projection-runner.js';
import { ReadModelQueries } from './read-model-queries.js';
import { READ_MODELS, ReadModels } from './read-models.js';

/** Opens the read database and the projections as configured: shared by the service and the CLI. */
export async function openReadModels(config: AppConfig, clock: Clock): Promise<ReadModels> {
  const readModels = new ReadModels(
    openSqlDatabase(config, 'read-models.sqlite'),
    allProjections({ complaintSla: config.projections.complaintSla }),
    clock,
  );
  await readModels.ensureSchema();
  return readModels;
}

@Global()
@Module({
  controllers: [ReadModelsController],
  providers: [
    { provide: READ_MODELS, inject: [APP_CONFIG, CLOCK], useFactory: openReadModels },
    ProjectionRunner,
    ReadModelQueries,
  ],
  exports: [READ_MODELS, ProjectionRunner, ReadModelQueries],
})
export class ReadModelsModule implements OnApplicationShutdown {
  constructor(@Inject(READ_MODELS) private readonly readModels: ReadModels) {}

  async onApplicationShutdown(): Promise<void> {
    await this.readModels.sql.close();
  }
}
