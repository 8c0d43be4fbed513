// Gateway health and metrics: ready when NATS answers (the gateway has no database of its own).
import { Controller } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorFunction } from '@nestjs/terminus';
import { HealthRoutes, NatsHealth } from '@voxmail/messaging';
import { NoFace } from '../common/openapi-meta';

@NoFace()
@Controller()
export class HealthController extends HealthRoutes {
  constructor(
    health: HealthCheckService,
    private readonly nats: NatsHealth,
  ) {
    super(health);
  }

  protected readinessChecks(): HealthIndicatorFunction[] {
    return [() => this.nats.check()];
  }
}
