// Checks a published envelope against its declaration: the AsyncAPI message of its type and version,
// compiled with ajv. The contract tests run real flows and feed every event that reached JetStream here.
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { asyncApiDocument } from './event-catalogue';
import type { EventDef } from './event-registry';

let validators: Map<string, ValidateFunction> | undefined;

function compile(): Map<string, ValidateFunction> {
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const doc = asyncApiDocument('contract') as {
    components: {
      messages: Record<string, { name: string; payload: { properties: { version: { const: number } } } }>;
    };
  };
  const out = new Map<string, ValidateFunction>();
  for (const m of Object.values(doc.components.messages))
    out.set(`${m.name}@${m.payload.properties.version.const}`, ajv.compile(m.payload));
  return out;
}

/** Why an envelope breaks its declaration (empty when it keeps it, or when it is not an object at all). */
export function eventContractErrors(envelope: unknown): string[] {
  validators ??= compile();
  if (typeof envelope !== 'object' || envelope === null) return ['not an object'];
  const { type, version } = envelope as { type?: unknown; version?: unknown };
  const v = validators.get(`${String(type)}@${String(version)}`);
  if (!v) return [`${String(type)} version ${String(version)} is not declared in the event registry`];
  if (v(envelope)) return [];
  return (v.errors ?? []).map((e) => `${String(type)}: ${e.instancePath || '/'} ${e.message ?? ''}`.trim());
}

const dataValidators = new Map<string, ValidateFunction>();

/**
 * Why an event's `data` breaks the registry's schema of its definition's current version (empty when
 * it keeps it): what a consumer checks before its handler reads the payload.
 */
export function eventDataErrors(def: EventDef, data: unknown): string[] {
  const key = `${def.type}@${def.version}`;
  let v = dataValidators.get(key);
  if (!v) {
    v = new Ajv({ allErrors: true, strict: false }).compile(def.data.schema);
    dataValidators.set(key, v);
  }
  if (v(data)) return [];
  return (v.errors ?? []).map((e) => `${def.type}: data${e.instancePath} ${e.message ?? ''}`.trim());
}
