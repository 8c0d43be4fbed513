import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { Body, Controller, Get, Module, Put } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ajv, VmboxSchema } from '@voxmail/contracts';
import { FrameworkErrorFilter, prefixFaceOf } from '../common/faces';
import { BodySchema } from '../common/openapi-meta';
import { KazooController } from '../faces/kazoo/kazoo.controller';
import { GatewayModule } from '../gateway.module';
import type { GatewayConfig } from '@voxmail/config';
import { OpenApiController } from './openapi.controller';
import { DocFace, OPENAPI_FACES, openApiDocuments, routesOf } from './openapi';

type Op = {
  operationId: string;
  security: Record<string, string[]>[];
  requestBody?: { content: Record<string, { schema: Record<string, any> }> };
  responses: Record<string, unknown>;
  parameters?: { name: string; in: string }[];
};
type Doc = { openapi: string; paths: Record<string, Record<string, Op>>; components: Record<string, any> };

const root = join(__dirname, '../../../..');
const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
const docs = openApiDocuments(version) as unknown as Record<DocFace, Doc>;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));
const opsOf = (d: Doc) => Object.values(d.paths).flatMap((p) => Object.values(p));

describe('the OpenAPI documents of the faces', () => {
  it.each(OPENAPI_FACES)(
    'docs/openapi/%s.json is the document generated from the code (run npm run openapi after a change)',
    (face) => {
      const committed = JSON.parse(readFileSync(join(root, 'docs/openapi', `${face}.json`), 'utf8'));
      expect(committed).toEqual(clone(docs[face]));
    },
  );

  it.each(OPENAPI_FACES)(
    'the %s document is valid OpenAPI 3.1 (@apidevtools/swagger-parser)',
    async (face) => {
      expect(docs[face].openapi).toBe('3.1.0');
      await expect(SwaggerParser.validate(clone(docs[face]) as never)).resolves.toBeDefined();
    },
  );

  it('the validator refuses a broken document (a parameter without its location)', async () => {
    const broken = clone(docs.kazoo);
    broken.paths['/v2/accounts/{accountId}/vmboxes'].get.parameters = [{ name: 'accountId' } as never];
    await expect(SwaggerParser.validate(broken as never)).rejects.toThrow();
  });

  it('every route of the gateway is in exactly one document, the one of its URL prefix', () => {
    const routes = routesOf(GatewayModule.register({ logLevel: 'silent' } as GatewayConfig));
    expect(routes.length).toBeGreaterThan(100);
    const total = OPENAPI_FACES.reduce((n, f) => n + opsOf(docs[f]).length, 0);
    expect(total).toBe(routes.length);
    for (const r of routes) {
      const path = r.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
      const holders = OPENAPI_FACES.filter((f) => docs[f].paths[path]?.[r.method]);
      expect({ route: `${r.method} ${r.path}`, holders }).toEqual({
        route: `${r.method} ${r.path}`,
        holders: [r.face],
      });
      const prefix = prefixFaceOf(r.path);
      if (r.face !== 'ops') expect(prefix === 'yeastar_link' ? 'yeastar' : prefix).toBe(r.face);
    }
    expect(docs.kazoo.paths['/v2/accounts/{accountId}/vmboxes'].put).toBeDefined();
    expect(docs.yeastar.paths['/openapi/v1.0/get_token'].post).toBeDefined();
    expect(docs.yeastar.paths['/api/download/{file}'].get).toBeDefined();
    expect(docs.onbuka.paths['/v3/voice/sendGroup'].post).toBeDefined();
    expect(docs.flexisip.paths['/api/accounts/{accountId}/voicemails'].get).toBeDefined();
    expect(docs.ops.paths['/health/ready'].get).toBeDefined();
    expect(docs.ops.paths['/openapi/{file}'].get).toBeDefined();
  });

  it('each face declares its own security schemes, required on guarded routes only', () => {
    expect(docs.kazoo.components.securitySchemes).toEqual({
      XAuthToken: expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-Auth-Token' }),
      AuthTokenQuery: expect.objectContaining({ type: 'apiKey', in: 'query', name: 'auth_token' }),
    });
    expect(docs.kazoo.paths['/v2/accounts/{accountId}/vmboxes'].get.security).toEqual([
      { XAuthToken: [] },
      { AuthTokenQuery: [] },
    ]);
    expect(docs.kazoo.paths['/v2/api_auth'].put.security).toEqual([]);
    expect(docs.yeastar.components.securitySchemes.AccessToken).toMatchObject({
      in: 'query',
      name: 'access_token',
    });
    expect(docs.yeastar.paths['/openapi/v1.0/vm_greeting/list'].get.security).toEqual([{ AccessToken: [] }]);
    expect(docs.yeastar.paths['/openapi/v1.0/get_token'].post.security).toEqual([]);
    expect(docs.onbuka.paths['/v3/voice/sendGroup'].post.security).toEqual([
      { ApiKey: [], Sign: [], Timestamp: [] },
    ]);
    expect(
      Object.values(docs.onbuka.components.securitySchemes).map((s: any) => `${s.in}:${s.name}`),
    ).toEqual(['header:Api-Key', 'header:Sign', 'header:Timestamp']);
    expect(docs.flexisip.components.securitySchemes.FlexisipApiKey).toMatchObject({
      in: 'header',
      name: 'x-api-key',
    });
  });

  it("takes request bodies from the schemas that validate them, in the face's envelope, with its errors", () => {
    const put = docs.kazoo.paths['/v2/accounts/{accountId}/vmboxes'].put;
    const schema = put.requestBody!.content['application/json'].schema;
    expect(schema.required).toEqual(['data']);
    expect(schema.properties.data).toEqual(clone(VmboxSchema));
    const patch = docs.kazoo.paths['/v2/accounts/{accountId}/vmboxes/{vmboxId}'].patch;
    expect(patch.requestBody!.content['application/json'].schema.properties.data.required).toBeUndefined();
    expect(Object.keys(put.responses)).toEqual(
      expect.arrayContaining(['201', '400', '401', '404', '409', '429']),
    );
    expect(docs.kazoo.components.schemas.KazooError.required).toContain('request_id');
    expect(docs.yeastar.components.schemas.YeastarFailure.properties.errcode.enum).toContain(10004);
    const list = docs.kazoo.paths['/v2/accounts/{accountId}/vmboxes'].get.parameters!.map(
      (p) => `${p.in}:${p.name}`,
    );
    expect(list).toEqual(
      expect.arrayContaining(['query:paginate', 'query:page_size', 'query:start_key', 'query:filters']),
    );
    expect(patch.parameters!.map((p) => `${p.in}:${p.name}`)).toContain('header:If-Match');
    expect(patch.parameters!.find((p) => p.name === 'vmboxId')).toMatchObject({
      in: 'path',
      schema: { type: 'string', pattern: '^[0-9a-f]{32}$' },
    });
    expect(docs.flexisip.paths['/api/accounts/{accountId}/voicemails'].post.responses['422']).toBeDefined();
  });

  it('describes every request body and every answer: its status, content type and schema', () => {
    const undescribed: string[] = [];
    for (const face of OPENAPI_FACES) {
      for (const [path, ops] of Object.entries(docs[face].paths)) {
        for (const [method, op] of Object.entries(ops as Record<string, any>)) {
          const where = `${face} ${method} ${path}`;
          if (op['x-voxmail-body-schema'] === false) undescribed.push(`${where}: request body`);
          const answers = Object.entries(op.responses as Record<string, any>);
          const success = answers.filter(([s]) => s.startsWith('2'));
          if (!success.length) undescribed.push(`${where}: no success status`);
          for (const [status, r] of answers) {
            if (status.endsWith('XX')) undescribed.push(`${where}: a status range (${status})`);
            if (method !== 'head' && !r.content) undescribed.push(`${where} ${status}: no content`);
            for (const [type, media] of Object.entries((r.content ?? {}) as Record<string, any>))
              if (!media.schema) undescribed.push(`${where} ${status} ${type}: no schema`);
          }
          if (face !== 'ops' && op.security.length) {
            expect({ where, e: Object.keys(op.responses) }).toEqual({
              where,
              e: expect.arrayContaining(['429']),
            });
            expect(op.responses['429'].headers['Retry-After'].required).toBe(true);
          }
        }
      }
    }
    expect(undescribed).toEqual([]);
    // closed shapes: the crossbar envelope and the error shapes of the faces
    expect(docs.kazoo.components.schemas.KazooError.additionalProperties).toBe(false);
    expect(docs.flexisip.components.schemas.FlexisipError.additionalProperties).toBe(false);
    const get = docs.kazoo.paths['/v2/accounts/{accountId}/vmboxes/{vmboxId}'].get as any;
    expect(get.responses['200'].content['application/json'].schema).toMatchObject({
      additionalProperties: false,
      properties: { data: { required: ['id'], properties: { mailbox: VmboxSchema.properties.mailbox } } },
    });
    const raw = docs.kazoo.paths['/v2/accounts/{accountId}/vmboxes/{vmboxId}/messages/{messageId}/raw']
      .get as any;
    expect(Object.keys(raw.responses['200'].content)).toEqual(['audio/*']);
    expect(raw.responses['206'].headers['Content-Range'].required).toBe(true);
    expect(raw.responses['416']).toBeDefined();
  });

  it("carries the seed documents' examples, and a request example passes the schema that validates the body", () => {
    const put = docs.kazoo.paths['/v2/accounts/{accountId}/vmboxes'].put;
    const media = put.requestBody!.content['application/json'] as { schema: object; example: any };
    expect(media.example.data).toMatchObject({ name: 'VMBox 0', mailbox: '3000' });
    const validate = ajv.compile(media.schema);
    expect(validate(clone(media.example)) ? [] : validate.errors).toEqual([]);
    const send = docs.onbuka.paths['/v3/voice/sendGroup'].post as any;
    expect(send.requestBody.content['application/json'].example).toMatchObject({ appId: '4luaKsL2' });
    expect(send.responses['200'].content['application/json'].example.data).toHaveLength(2);
  });
});

describe('a route added to a controller', () => {
  @KazooController('accounts/:accountId/widgets')
  class WidgetsController {
    @Put()
    @BodySchema({ type: 'object', required: ['size'], properties: { size: { type: 'integer' } } })
    create(@Body() _body: unknown): void {}

    @Get(':widgetId')
    get(): void {}
  }
  @Controller('v3/voice')
  class VoiceExtraController {
    @Get('widgets')
    list(): void {}
  }
  @Module({ controllers: [WidgetsController, VoiceExtraController] })
  class WidgetsModule {}

  it("appears in its face's document with its parameters, body schema, security and errors", async () => {
    const d = openApiDocuments('0.0.1', { module: WidgetsModule, imports: [] }) as unknown as Record<
      DocFace,
      Doc
    >;
    const put = d.kazoo.paths['/v2/accounts/{accountId}/widgets'].put;
    expect(put.operationId).toBe('Widgets_create');
    expect(put.parameters).toEqual([expect.objectContaining({ name: 'accountId', in: 'path' })]);
    expect(put.requestBody!.content['application/json'].schema.properties.data.required).toEqual(['size']);
    expect(put.security).toEqual([{ XAuthToken: [] }, { AuthTokenQuery: [] }]);
    expect(put.responses['404']).toBeDefined();
    expect(d.kazoo.paths['/v2/accounts/{accountId}/widgets/{widgetId}'].get.parameters).toHaveLength(2);
    expect(Object.keys(d.onbuka.paths)).toEqual(['/v3/voice/widgets']);
    expect(d.yeastar.paths).toEqual({});
    await expect(SwaggerParser.validate(clone(d.kazoo) as never)).resolves.toBeDefined();
  });
});

describe('GET /openapi/{face}.json and /docs', () => {
  let app: NestFastifyApplication;
  @Module({ controllers: [OpenApiController] })
  class DocsModule {}

  beforeAll(async () => {
    app = await NestFactory.create<NestFastifyApplication>(DocsModule, new FastifyAdapter(), {
      logger: false,
    });
    app.useGlobalFilters(new FrameworkErrorFilter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(() => app.close());

  it.each(OPENAPI_FACES)('serves the %s document as generated', async (face) => {
    const res = await app.inject({ method: 'GET', url: `/openapi/${face}.json` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.json()).toEqual(clone(docs[face]));
  });

  it("serves no other document or file: other URLs under /openapi stay the Yeastar face's unknown interface", async () => {
    const other = await app.inject({ method: 'GET', url: '/openapi/secrets.json' });
    expect(other.json()).toEqual({ errcode: 10001, errmsg: 'INTERFACE NOT EXISTED' });
    expect((await app.inject({ method: 'GET', url: '/openapi/v1.0' })).json()).toMatchObject({
      errcode: 10001,
    });
    const file = await app.inject({ method: 'GET', url: '/docs/package.json' });
    expect(file.statusCode).toBe(404);
    expect(file.body).not.toContain('swagger-ui');
  });

  it('renders the reference with Swagger UI from the package, every face in its list, no CDN', async () => {
    const page = await app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).not.toMatch(/https?:\/\//);
    for (const src of page.body.match(/(?:src|href)="([^"]+)"/g) ?? []) {
      const url = src.split('"')[1];
      const asset = await app.inject({ method: 'GET', url });
      expect({ url, status: asset.statusCode }).toEqual({ url, status: 200 });
    }
    const bundle = await app.inject({ method: 'GET', url: '/docs/swagger-ui-bundle.js' });
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    expect(bundle.body).toContain('SwaggerUIBundle');
    const init = await app.inject({ method: 'GET', url: '/docs/docs-init.js' });
    for (const face of OPENAPI_FACES) expect(init.body).toContain(`/openapi/${face}.json`);
  });
});
