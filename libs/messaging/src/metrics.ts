// Prometheus metrics shared by every app (prom-client's default registry).
import { collectDefaultMetrics, Counter, Histogram, register } from 'prom-client';

let defaultsCollected = false;
export function collectProcessMetrics(service: string): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  register.setDefaultLabels({ service });
  collectDefaultMetrics();
}

function counter(name: string, help: string, labelNames: string[]): Counter {
  return (register.getSingleMetric(name) as Counter) ?? new Counter({ name, help, labelNames });
}

export const Metrics = {
  outboxPublished: counter('voxmail_outbox_published_total', 'Events published from the outbox', ['schema']),
  outboxFailures: counter('voxmail_outbox_publish_failures_total', 'Failed publish attempts', ['schema']),
  eventsHandled: counter('voxmail_events_handled_total', 'Events handled by a consumer', ['consumer']),
  eventsParked: counter('voxmail_events_parked_total', 'Poison events parked after max deliveries', [
    'consumer',
  ]),
  commands: counter('voxmail_commands_total', 'Commands handled, by subject and outcome', [
    'subject',
    'outcome',
  ]),
  commandSeconds:
    (register.getSingleMetric('voxmail_command_duration_seconds') as Histogram) ??
    new Histogram({
      name: 'voxmail_command_duration_seconds',
      help: 'Command handling time in a service',
      labelNames: ['subject'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    }),
};

export { register as metricsRegistry };
