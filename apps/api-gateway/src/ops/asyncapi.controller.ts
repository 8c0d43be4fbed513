// The event catalogue for subscribers: the AsyncAPI document at /asyncapi.json and a readable page at
// /asyncapi, both built from the event registry at start. Public (it holds no tenant data) and belonging
// to no API face. The page is plain HTML with inline CSS: no CDN, as carriers' networks are often closed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header } from '@nestjs/common';
import { asyncApiDocument } from '@voxmail/contracts';
import { NoFace, Responds } from '../common/openapi-meta';

export function packageVersion(): string {
  try {
    return JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface Prop {
  type?: unknown;
  description?: string;
  format?: string;
  const?: unknown;
  enum?: unknown[];
}
interface Msg {
  name: string;
  title: string;
  summary: string;
  deprecated?: boolean;
  payload: {
    required?: string[];
    properties: Record<string, Prop> & {
      version: { const: number };
      data: { description?: string; properties?: Record<string, Prop>; required?: string[] };
    };
  };
}
interface Channel {
  address: string;
  title: string;
  summary: string;
  description: string;
  messages: Record<string, { $ref: string }>;
  'x-producer'?: string;
}
interface Doc {
  asyncapi: string;
  info: { title: string; version: string; description: string };
  servers: Record<string, { host: string; protocol: string; description?: string }>;
  channels: Record<string, Channel>;
  operations: Record<string, { action: string; channel: { $ref: string }; messages: { $ref: string }[] }>;
  components: { messages: Record<string, Msg> };
}

const typeOf = (p: Prop): string => {
  const t = Array.isArray(p.type) ? p.type.join(' | ') : String(p.type ?? 'any');
  if (p.enum) return `${t}: ${p.enum.join(', ')}`;
  return p.format ? `${t} (${p.format})` : t;
};

function fieldRows(props: Record<string, Prop>, required: Set<string>, skip: string[] = []): string {
  return Object.entries(props)
    .filter(([k]) => !skip.includes(k))
    .map(
      ([k, p]) =>
        `<tr><td><code>${esc(k)}</code>${required.has(k) ? ' <b title="always present">*</b>' : ''}</td><td>${esc(
          typeOf(p),
        )}</td><td>${esc(p.description ?? '')}</td></tr>`,
    )
    .join('');
}

const table = (head: string, rows: string) =>
  `<table><thead><tr><th>${head}</th><th>type</th><th>meaning</th></tr></thead><tbody>${rows}</tbody></table>`;

/**
 * The AsyncAPI 3 document as one HTML page, rendered on the server: the servers, the envelope every event
 * shares, then one section per channel (event type) with its address, producer, operation and each
 * published version's data fields.
 */
export function renderAsyncApiPage(document: Record<string, unknown>): string {
  const doc = document as unknown as Doc;
  const { info } = doc;
  const messages = doc.components.messages;
  const byRef = (ref: string) => messages[ref.split('/').pop() as string];
  const opsByChannel = new Map<string, string[]>();
  for (const [id, op] of Object.entries(doc.operations ?? {})) {
    const ch = op.channel.$ref.split('/').pop() as string;
    opsByChannel.set(ch, [...(opsByChannel.get(ch) ?? []), `${id} (${op.action})`]);
  }
  // the envelope is the same for every event: shown once, from the first message
  const first = Object.values(messages)[0];
  const envelope = first
    ? table(
        'envelope field',
        fieldRows(first.payload.properties, new Set(first.payload.required ?? []), [
          'type',
          'version',
          'data',
        ]),
      )
    : '';
  const groups = new Map<string, [string, Channel][]>();
  for (const entry of Object.entries(doc.channels)) {
    const domain = entry[1].title.split('.')[0];
    groups.set(domain, [...(groups.get(domain) ?? []), entry]);
  }
  const sections = Object.entries(doc.channels).map(([key, ch]) => {
    const versions = Object.values(ch.messages).map((ref) => {
      const m = byRef(ref.$ref);
      const data = m.payload.properties.data;
      return `<h3>version ${esc(m.payload.properties.version.const)}${
        m.deprecated ? ' <span class="dep">deprecated</span>' : ''
      }</h3>${m.deprecated ? `<p>${esc(m.summary)}</p>` : ''}${
        data.description ? `<p>${esc(data.description)}</p>` : ''
      }${table('data field', fieldRows(data.properties ?? {}, new Set(data.required ?? [])))}`;
    });
    return `<section id="${esc(key)}"><h2>${esc(ch.title)}</h2><p>${esc(ch.summary)}</p><dl>
<dt>address</dt><dd><code>${esc(ch.address)}</code></dd><dt>producer</dt><dd>${esc(
      ch['x-producer'] ?? '',
    )}</dd><dt>operation</dt><dd>${esc((opsByChannel.get(key) ?? []).join(', '))}</dd></dl><p>${esc(
      ch.description,
    )}</p>${versions.join('')}</section>`;
  });
  const toc = [...groups]
    .map(
      ([domain, chans]) =>
        `<li><b>${esc(domain)}</b>: ${chans
          .map(([key, ch]) => `<a href="#${esc(key)}">${esc(ch.title)}</a>`)
          .join(', ')}</li>`,
    )
    .join('');
  const servers = Object.entries(doc.servers ?? {})
    .map(
      ([k, s]) =>
        `<li><code>${esc(k)}</code>: ${esc(s.protocol)}://${esc(s.host)} ${esc(s.description ?? '')}</li>`,
    )
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(info.title)} ${esc(
    info.version,
  )}</title><style>body{font:15px/1.5 system-ui,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#222}
code{background:#f3f3f3;padding:0 .2rem}table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem}
td,th{border:1px solid #ddd;padding:.2rem .4rem;text-align:left;vertical-align:top}th{background:#fafafa}
section{border-top:1px solid #ccc;margin-top:1.5rem}dl{display:grid;grid-template-columns:8rem 1fr;margin:0}
dt{color:#666}dd{margin:0}small{color:#666}.dep{background:#fde2e2;color:#900;padding:0 .3rem;font-size:.8em}</style></head><body>
<h1>${esc(info.title)} <small>${esc(info.version)} · AsyncAPI ${esc(doc.asyncapi)}</small></h1><p>${esc(
    info.description,
  )}</p><p>The machine-readable document is <a href="/asyncapi.json">/asyncapi.json</a>. Fields marked * are always present.</p>
<h2>Servers</h2><ul>${servers}</ul><h2>Envelope</h2><p>Every event is this object; <code>type</code> and <code>version</code> name its declaration, <code>data</code> is described per event below.</p>${envelope}
<h2>Events</h2><ul>${toc}</ul>${sections.join('\n')}</body></html>`;
}

@NoFace()
@Controller()
export class AsyncApiController {
  private readonly doc = asyncApiDocument(packageVersion());
  private readonly page = renderAsyncApiPage(this.doc);

  @Get('asyncapi.json')
  @Responds({ schema: { type: 'object', required: ['asyncapi', 'info', 'channels'] } })
  json(): Record<string, unknown> {
    return this.doc;
  }

  @Get('asyncapi')
  @Responds({ content: { 'text/html': { schema: { type: 'string' } } } })
  @Header('Content-Type', 'text/html; charset=utf-8')
  html(): string {
    return this.page;
  }
}
