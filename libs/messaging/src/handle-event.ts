// `@HandleEvent(Events.X, { durable })`: a service's event handler, as visible as its `@HandleCommand`s.
// The method is bound to the registry's event type; its payload is checked against the registry's schema
// before it runs (an event that breaks it is parked at once: no retry would mend it). Methods naming one
// durable form one durable JetStream consumer (an EventConsumer: inbox, retries, parking, in stream order),
// started at bootstrap by the service kit, which finds them the way Nest finds @HandleCommand methods.
import { Logger } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { DataSource, EntityManager } from 'typeorm';
import {
  AnyEventDef,
  DataOf,
  EVENT_SUBJECT_PREFIX,
  EventDef,
  EventEnvelope,
  eventDataErrors,
  Events,
  eventSubject,
} from '@voxmail/contracts';
import { AfterCommit, EventConsumer, EventMeta, perDatabaseDurable, PoisonEvent } from './consumer';

/** Every event type, and any type the registry does not know (e.g. a webhook fanout's). */
export const ANY_EVENT = Symbol('ANY_EVENT');

/** The durable consumer a handler belongs to; every handler naming one durable must agree on the rest. */
export interface DurableOptions {
  /** Its name in JetStream, in the inbox and among parked events. */
  durable: string;
  /** `<durable>-<database name>`: replicas of one deployment share it, another deployment has its own. */
  perDatabase?: boolean;
  /** Deliveries before a failing event is parked (default 5). */
  maxDeliveries?: number;
  ackWaitMs?: number;
}

type Defs = AnyEventDef | readonly AnyEventDef[] | typeof ANY_EVENT;
type DataOfDefs<E> = E extends typeof ANY_EVENT
  ? Record<string, unknown>
  : E extends readonly (infer X)[]
    ? DataOf<X>
    : DataOf<E>;

/** What a handler receives: the envelope, its data typed (and checked) by the registry. */
export type ReceivedEvent<D> = EventEnvelope<D>;

type EventMethod<D> = (
  event: ReceivedEvent<D>,
  manager: EntityManager,
  meta: EventMeta,
) => Promise<void | AfterCommit | unknown>;

interface Binding {
  key: string | symbol;
  types: string[] | typeof ANY_EVENT;
  options: DurableOptions;
}

const BINDINGS = new WeakMap<object, Binding[]>();

/** One declared handler, for documentation (the AsyncAPI document's consumers). */
export interface DeclaredEventHandler {
  className: string;
  method: string;
  types: string[] | '*';
  durable: string;
  perDatabase: boolean;
}

/** Every handler declared in the modules loaded so far. */
export const declaredEventHandlers: DeclaredEventHandler[] = [];

export function HandleEvent<E extends Defs>(defs: E, options: DurableOptions) {
  return <M extends EventMethod<DataOfDefs<E>>>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<M>,
  ): void => {
    if (typeof descriptor.value !== 'function')
      throw new Error(`@HandleEvent(${options.durable}) must decorate a method`);
    const types =
      defs === ANY_EVENT
        ? ANY_EVENT
        : (Array.isArray(defs) ? (defs as readonly EventDef[]) : [defs as EventDef]).map((d) => d.type);
    const list = BINDINGS.get(target) ?? [];
    list.push({ key, types, options });
    BINDINGS.set(target, list);
    declaredEventHandlers.push({
      className: target.constructor.name,
      method: String(key),
      types: types === ANY_EVENT ? '*' : types,
      durable: options.durable,
      perDatabase: options.perDatabase === true,
    });
  };
}

const REGISTRY = new Map<string, EventDef>(Object.values(Events).map((d) => [d.type, d as EventDef]));

/**
 * The event as a handler of the registry's current version reads it: as is, or a previous version's
 * event upcast (published before a breaking change); null for what it skips: a copy in another version
 * than its own (it gets the event in its version too), or a version it does not know.
 */
export function currentVersionOf(def: EventDef, e: EventEnvelope): EventEnvelope | null {
  if (e.version === def.version) return e;
  if (!e.legacyOf && def.previous && e.version === def.previous.version)
    return { ...e, version: def.version, data: def.previous.upcast(e.data) as Record<string, unknown> };
  return null;
}

interface Route {
  instance: Record<string | symbol, EventMethod<unknown>>;
  key: string | symbol;
}

/** One durable consumer's handlers: by event type, and the one taking any other type. */
class DurableRoutes {
  readonly byType = new Map<string, Route>();
  any?: Route;
  constructor(
    readonly options: DurableOptions,
    private readonly log: Logger,
  ) {}

  filterSubjects(): string[] {
    if (this.any) return [`${EVENT_SUBJECT_PREFIX}.>`];
    return [...this.byType.keys()].map((t) => eventSubject('*', t));
  }

  /** Runs the event's handler (in the consumer's inbox transaction). */
  async handle(e: EventEnvelope, m: EntityManager, meta: EventMeta): Promise<void | AfterCommit> {
    const route = this.byType.get(e.type) ?? this.any;
    if (!route) return;
    let event = e;
    const def = REGISTRY.get(e.type);
    if (def) {
      const current = currentVersionOf(def, e);
      if (!current) {
        this.log.debug(`${e.type} ${e.id} version ${e.version} skipped (not version ${def.version})`);
        return;
      }
      const errors = eventDataErrors(def, current.data);
      if (errors.length) throw new PoisonEvent(`breaks the event registry's schema: ${errors.join('; ')}`);
      event = current;
    }
    const after = await route.instance[route.key](event, m, meta);
    return typeof after === 'function' ? (after as AfterCommit) : undefined;
  }
}

const sameOptions = (a: DurableOptions, b: DurableOptions) =>
  !!a.perDatabase === !!b.perDatabase && a.maxDeliveries === b.maxDeliveries && a.ackWaitMs === b.ackWaitMs;

/** Builds the EventConsumers of the `@HandleEvent` methods of `instances` (a service's providers). */
export function eventConsumersOf(
  instances: object[],
  host: { nc: NatsConnection; ds: DataSource; schema: string; databaseUrl: string },
): EventConsumer[] {
  const log = new Logger('HandleEvent');
  const durables = new Map<string, DurableRoutes>();
  for (const instance of new Set(instances)) {
    for (let p = Object.getPrototypeOf(instance) as object | null; p && p !== Object.prototype;) {
      for (const b of BINDINGS.get(p) ?? []) {
        let routes = durables.get(b.options.durable);
        if (!routes) {
          routes = new DurableRoutes(b.options, log);
          durables.set(b.options.durable, routes);
        } else if (!sameOptions(routes.options, b.options)) {
          throw new Error(`@HandleEvent handlers of durable ${b.options.durable} disagree on its options`);
        }
        const route: Route = { instance: instance as Route['instance'], key: b.key };
        if (b.types === ANY_EVENT) {
          if (routes.any) throw new Error(`durable ${b.options.durable} has two handlers of any event`);
          routes.any = route;
        } else {
          for (const t of b.types) {
            if (routes.byType.has(t)) throw new Error(`durable ${b.options.durable} handles ${t} twice`);
            routes.byType.set(t, route);
          }
        }
      }
      p = Object.getPrototypeOf(p) as object | null;
    }
  }
  return [...durables.values()].map((routes) => {
    const o = routes.options;
    return new EventConsumer(
      host.nc,
      host.ds,
      host.schema,
      {
        durable: o.perDatabase ? perDatabaseDurable(o.durable, host.databaseUrl) : o.durable,
        filterSubjects: routes.filterSubjects(),
        ...(o.maxDeliveries !== undefined ? { maxDeliveries: o.maxDeliveries } : {}),
        ...(o.ackWaitMs !== undefined ? { ackWaitMs: o.ackWaitMs } : {}),
      },
      (e, m, meta) => routes.handle(e, m, meta),
    );
  });
}

/**
 * The durable consumers declared by `@HandleEvent` in the modules `load` requires, per service: what
 * libs/contracts' event-consumers.json holds (npm run asyncapi writes it; a test compares).
 */
export function consumersOf(
  services: { name: string; load: () => unknown }[],
): { service: string; durable: string; perDatabase: boolean; events: string[] | '*' }[] {
  const out: { service: string; durable: string; perDatabase: boolean; events: string[] | '*' }[] = [];
  for (const s of services) {
    const before = declaredEventHandlers.length;
    s.load();
    const mine = new Map<string, (typeof out)[number]>();
    for (const h of declaredEventHandlers.slice(before)) {
      const c = mine.get(h.durable) ?? {
        service: s.name,
        durable: h.durable,
        perDatabase: h.perDatabase,
        events: [],
      };
      c.events = c.events === '*' || h.types === '*' ? '*' : [...new Set([...c.events, ...h.types])].sort();
      mine.set(h.durable, c);
    }
    out.push(...[...mine.values()].sort((a, b) => a.durable.localeCompare(b.durable)));
  }
  return out;
}
