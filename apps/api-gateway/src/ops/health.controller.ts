// Gateway health and metrics: ready when NATS answers (the gateway has no database of its own).
import { Controller } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorFunction } from '@nestjs/terminus';
import { HealthRoutes, NatsHealth } from '@voxmail/messaging';
import { DocumentedResponse, NoFace, Responds } from '../common/openapi-meta';

/** @nestjs/terminus's health check result. */
const HEALTH = {
  type: 'object',
  required: ['status'],
  properties: {
    status: { enum: ['ok', 'error', 'shutting_down'] },
    info: { type: 'object' },
    error: { type: 'object' },
    details: { type: 'object' },
  },
  additionalProperties: false,
};

// the routes are HealthRoutes' (libs/messaging, shared by every app): their answers documented here
const ANSWERS: Record<string, DocumentedResponse> = {
  live: { schema: HEALTH },
  ready: { schema: HEALTH, more: { 503: { description: 'not ready: a check is down' } } },
  metrics: {
    content: { 'text/plain': { schema: { type: 'string', description: 'Prometheus text format' } } },
  },
};
for (const [name, answer] of Object.entries(ANSWERS))
  Responds(answer)(
    HealthRoutes.prototype,
    name,
    Object.getOwnPropertyDescriptor(HealthRoutes.prototype, name)!,
  );

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
