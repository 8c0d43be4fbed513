// Checks a published envelope against its declaration: the AsyncAPI message of its type and version,
// compiled with ajv. The contract tests run real flows and feed every event that reached JetStream here.
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { asyncApiDocument } from './event-catalogue';

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
