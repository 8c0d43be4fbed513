// The OpenAPI documents of the faces at /openapi/{face}.json, generated from the gateway's own route table
// at start (ops/openapi.ts), and a rendered reference at /docs: Swagger UI served from the swagger-ui-dist
// package (no CDN: carriers' networks are often closed). Public: the documents hold no tenant data.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError, ErrorCode } from '@voxmail/contracts';
import { packageVersion } from './asyncapi.controller';
import { DocFace, OPENAPI_FACES, openApiDocuments } from './openapi';
import { closed, NoFace, Responds } from '../common/openapi-meta';

/** The files of swagger-ui-dist the page loads, with their types. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'docs-init.js': 'application/javascript; charset=utf-8',
};

const PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Voxmail API reference</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head><body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/swagger-ui-standalone-preset.js"></script>
<script src="/docs/docs-init.js"></script></body></html>`;

const INIT = `window.ui = SwaggerUIBundle({
  urls: ${JSON.stringify(OPENAPI_FACES.map((f) => ({ url: `/openapi/${f}.json`, name: f })))},
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout',
});
`;

@NoFace()
@Controller()
export class OpenApiController {
  private docs?: Record<DocFace, Record<string, unknown>>;
  private readonly assets = new Map<string, Buffer>();

  /** Built on first use: the route table is complete only once every module is loaded. */
  private documents(): Record<DocFace, Record<string, unknown>> {
    return (this.docs ??= openApiDocuments(packageVersion()));
  }

  @Get('openapi/:file')
  @Responds({
    // another name under /openapi is the Yeastar face's unknown interface (HTTP 200, errcode 10001)
    schema: {
      anyOf: [
        { type: 'object', required: ['openapi', 'info', 'paths'] },
        closed({ errcode: { const: 10001 }, errmsg: { type: 'string' } }),
      ],
    },
  })
  document(@Param('file') file: string): Record<string, unknown> {
    const face = /^([a-z]+)\.json$/.exec(file)?.[1] as DocFace | undefined;
    // anything else under /openapi is the Yeastar face's (its router's "interface not existed")
    if (!face || !OPENAPI_FACES.includes(face)) throw new DomainError(ErrorCode.NotFound, 'no such route');
    return this.documents()[face];
  }

  @Get('docs')
  @Responds({ content: { 'text/html': { schema: { type: 'string' } } } })
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(): string {
    return PAGE;
  }

  @Get('docs/:asset')
  @Responds({
    content: {
      'text/css': { schema: { type: 'string' } },
      'application/javascript': { schema: { type: 'string' } },
    },
    errors: [404],
  })
  asset(@Param('asset') asset: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer | string {
    const type = ASSETS[asset];
    if (!type) throw new DomainError(ErrorCode.NotFound, 'no such file');
    void reply.header('Content-Type', type).header('Cache-Control', 'public, max-age=3600');
    if (asset === 'docs-init.js') return INIT;
    let body = this.assets.get(asset);
    if (!body) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const dir = (require('swagger-ui-dist') as { getAbsoluteFSPath(): string }).getAbsoluteFSPath();
      body = readFileSync(join(dir, asset));
      this.assets.set(asset, body);
    }
    return body;
  }
}
