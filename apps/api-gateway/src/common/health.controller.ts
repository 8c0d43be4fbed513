// Gateway health and metrics: ready when NATS answers.
import { Controller, Get, Header, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { NatsConnection } from 'nats';
import { metricsRegistry } from '@voxmail/messaging';
import { Public } from '../kazoo/auth.guard';

export const GATEWAY_NATS = Symbol('GATEWAY_NATS');

@Controller()
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(GATEWAY_NATS) private readonly nc: NatsConnection,
  ) {}

  @Get('health/live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('health/ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      async () => {
        const s = this.indicator.check('nats');
        try {
          if (this.nc.isClosed()) throw new Error('connection closed');
          await Promise.race([
            this.nc.flush(),
            new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), 1500)),
          ]);
          return s.up();
        } catch (e) {
          return s.down((e as Error).message);
        }
      },
    ]);
  }

  @Get('metrics')
  @Header('Content-Type', metricsRegistry.contentType)
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
