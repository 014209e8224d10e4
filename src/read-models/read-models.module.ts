import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config.js';
import { CLOCK } from '../shared/clock.js';
import { ReadModelsController } from './api/read-models.controller.js';
import { ProjectionRunner } from './projection-runner.js';
import { ReadModelQueries } from './read-model-queries.js';
import { openReadModels, READ_MODELS, ReadModels } from './read-models.js';

export { openReadModels };

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
