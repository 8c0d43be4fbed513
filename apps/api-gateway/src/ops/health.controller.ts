// Gateway health and metrics: ready when NATS answers (the gateway has no database of its own).
import { Controller, Get, Header } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { metricsRegistry, NatsHealth } from '@voxmail/messaging';
import { NoFace } from '../common/openapi-meta';

@NoFace()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly nats: NatsHealth,
  ) {}

  @Get('health/live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('health/ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.nats.check()]);
  }

  @Get('metrics')
  @Header('Content-Type', metricsRegistry.contentType)
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
