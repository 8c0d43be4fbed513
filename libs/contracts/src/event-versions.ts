// Versions of an event across a breaking change. The registry holds the current version and, for one
// release, the previous one (`EventDef.previous`). Producers publish both: the outbox adds the old-shape
// copy, marked `legacyOf` with the id of the current event; a consumer of the old version reads the copy
// (it checks `version`), a consumer of the current one skips copies and upcasts old events it meets in the
// stream's history. Additive changes (a new optional key) are not breaking and keep the version.
import type { EventEnvelope } from './events';
import { AnyEventDef, EventDef, Events, NewEvent } from './event-registry';

const BY_TYPE = new Map<string, EventDef>(
  Object.values(Events).map((d: AnyEventDef) => [d.type, d as EventDef]),
);

export type EventLookup = (type: string) => EventDef | undefined;
const registryLookup: EventLookup = (type) => BY_TYPE.get(type);

/**
 * What the outbox writes for `events`: each one, and for an event whose definition still carries a
 * previous version, its copy in the old shape (`legacy` is filled in with the current event's id).
 */
export function withPreviousVersions(
  events: NewEvent[],
  lookup: EventLookup = registryLookup,
): { event: NewEvent; legacyOfIndex?: number }[] {
  const out: { event: NewEvent; legacyOfIndex?: number }[] = [];
  for (const e of events) {
    const index = out.push({ event: e }) - 1;
    const def = lookup(e.type);
    if (def?.previous && (e.version ?? 1) === def.version) {
      out.push({
        event: { ...e, version: def.previous.version, data: def.previous.downcast(e.data) },
        legacyOfIndex: index,
      });
    }
  }
  return out;
}

/**
 * An envelope as a consumer of the registry's current version reads it: the current version as is, the
 * previous one upcast, and null for what it should skip (a legacy copy of an event it also gets, or a
 * version it does not know).
 */
export function readCurrent<E extends EventDef>(
  def: E,
  e: EventEnvelope,
): (EventEnvelope & { data: E extends EventDef<string, infer D> ? D : never }) | null {
  type D = E extends EventDef<string, infer X> ? X : never;
  if (e.type !== def.type || e.legacyOf) return null;
  if (e.version === def.version) return e as EventEnvelope & { data: D };
  if (def.previous && e.version === def.previous.version)
    return { ...e, version: def.version, data: def.previous.upcast(e.data) as D } as EventEnvelope & {
      data: D;
    };
  return null;
}
