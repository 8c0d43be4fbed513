// The event catalogue for subscribers: the AsyncAPI document at /asyncapi.json and a readable page at
// /asyncapi, both built from the event registry at start. Public (it holds no tenant data) and belonging
// to no API face. The page is plain HTML with inline CSS: no CDN, as carriers' networks are often closed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header } from '@nestjs/common';
import { asyncApiDocument } from '@voxmail/contracts';

function packageVersion(): string {
  try {
    return JSON.parse(readFileSync(join(process.cwd(), 'package.json'), 'utf8')).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

interface Msg {
  name: string;
  title: string;
  summary: string;
  payload: {
    properties: {
      version: { const: number };
      data: { properties?: Record<string, { type: unknown; description?: string }>; required?: string[] };
    };
  };
}

/** The catalogue as one HTML page: each event's subject, version, producer and data fields. */
function renderAsyncApiPage(doc: Record<string, unknown>): string {
  const info = doc.info as { title: string; version: string; description: string };
  const messages = (doc.components as { messages: Record<string, Msg> }).messages;
  // one section per event version: a deprecated previous version is shown next to the current one
  const sections = Object.entries(messages).map(([key, m]) => {
    const data = m.payload.properties.data;
    const required = new Set(data.required ?? []);
    const rows = Object.entries(data.properties ?? {})
      .map(
        ([k, p]) =>
          `<tr><td><code>${esc(k)}</code>${required.has(k) ? ' *' : ''}</td><td>${esc(
            Array.isArray(p.type) ? p.type.join(' | ') : p.type,
          )}</td><td>${esc(p.description ?? '')}</td></tr>`,
      )
      .join('');
    return `<section id="${esc(key)}"><h2>${esc(m.title)} <small>v${esc(
      m.payload.properties.version.const,
    )}</small></h2><p><code>voxmail.evt.{tenantId}.${esc(m.name)}</code></p><p>${esc(m.summary)}</p>
<table><thead><tr><th>data field</th><th>type</th><th>meaning</th></tr></thead><tbody>${rows}</tbody></table></section>`;
  });
  const toc = Object.entries(messages)
    .map(([key, m]) => `<li><a href="#${esc(key)}">${esc(m.title)}</a></li>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(info.title)} ${esc(
    info.version,
  )}</title><style>body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
code{background:#f3f3f3;padding:0 .2rem}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ddd;padding:.2rem .4rem;text-align:left}
small{color:#666}</style></head><body><h1>${esc(info.title)} <small>${esc(info.version)}</small></h1><p>${esc(
    info.description,
  )}</p><p>Every event has the envelope <code>id, type, version, tenantId, aggregateId, occurredAt, data</code>; the machine-readable document is <a href="/asyncapi.json">/asyncapi.json</a>. Fields marked * are always present.</p><ul>${toc}</ul>${sections.join(
    '\n',
  )}</body></html>`;
}

@Controller()
export class AsyncApiController {
  private readonly doc = asyncApiDocument(packageVersion());
  private readonly page = renderAsyncApiPage(this.doc);

  @Get('asyncapi.json')
  json(): Record<string, unknown> {
    return this.doc;
  }

  @Get('asyncapi')
  @Header('Content-Type', 'text/html; charset=utf-8')
  html(): string {
    return this.page;
  }
}
