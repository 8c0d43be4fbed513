// The domain event envelope; `type` is `<aggregate>.<event>`, declared in the event registry.
import { Events } from './event-registry';

export interface EventEnvelope<T = Record<string, unknown>> {
  id: string;
  type: string;
  version: number;
  tenantId: string;
  aggregateId: string;
  occurredAt: string;
  requestId?: string;
  traceparent?: string;
  /** Set on the previous-version copy of an event during its deprecation release: the current event's id. */
  legacyOf?: string;
  data: T;
}

type EventTypeMap = { readonly [K in keyof typeof Events]: (typeof Events)[K]['type'] };

/** Each registry event's type string, by name (for subject filters and switches). */
export const EventTypes = Object.fromEntries(
  Object.entries(Events).map(([name, def]) => [name, def.type]),
) as EventTypeMap;

export type EventType = EventTypeMap[keyof EventTypeMap];
