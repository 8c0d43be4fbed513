// The service registry (services.json, also read by the plain-JS scripts): each app's name, queue group,
// schema, health port and migrations module, declared once.
import registry from './services.json';

export interface AppEntry {
  /** The folder under apps/ and the process, image and Deployment name. */
  name: string;
  /** Short name used by the test stack (`startStack(apps, ['mailbox', ...])`). */
  key: string;
  kind: 'gateway' | 'service';
  summary: string;
  /** Services: the module file (under src/) that exports `<exportPrefix>_ENTITIES` and `_MIGRATIONS`. */
  module?: string;
  exportPrefix?: string;
  /** Services: their PostgreSQL schema. */
  schema?: string;
  /** Services: the NATS queue group their replicas share. */
  queue?: string;
  /** The gateway's HTTP port, or a service's health and metrics port. */
  port: number;
  /** Secret variables the app (and only it) receives. */
  secrets: string[];
  /** Whether the app holds the object store's credentials. */
  objectStore: boolean;
  tmpSize: string;
}

export interface ServiceEntry extends AppEntry {
  kind: 'service';
  module: string;
  exportPrefix: string;
  schema: string;
  queue: string;
}

export const APPS: readonly AppEntry[] = registry.apps as AppEntry[];

/** A service of the registry, by its key; throws when the registry has no such service. */
export function serviceEntry(key: string): ServiceEntry {
  const e = APPS.find((a) => a.key === key || a.name === key);
  if (!e || e.kind !== 'service') throw new Error(`no service ${key} in libs/contracts/src/services.json`);
  return e as ServiceEntry;
}
