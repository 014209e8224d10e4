import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { Public } from '../auth/policy.decorator.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { ProjectionRunner } from '../read-models/projection-runner.js';

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly runner: ProjectionRunner,
  ) {}

  @Get()
  @Public()
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness and readiness: the event store, and the projections (down when one is stopped at an event it cannot read)' })
  check() {
    return this.health.check([
      async () => {
        const indicator = this.indicators.check('eventStore');
        try {
          await this.store.ping();
          return indicator.up({ kind: this.store.kind, headPosition: (await this.store.headPosition()).toString() });
        } catch (error) {
          return indicator.down({ kind: this.store.kind, message: (error as Error).message });
        }
      },
      () => {
        const indicator = this.indicators.check('projections');
        const projections = this.runner.states();
        const details = { runner: this.runner.role, projections };
        return projections.some((p) => p.status === 'failed') ? indicator.down(details) : indicator.up(details);
      },
    ]);
  }
}
