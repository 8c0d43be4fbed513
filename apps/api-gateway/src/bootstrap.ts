// Boots the gateway: Fastify with Kazoo verb tunnelling, request ids, CORS, bounded JSON bodies, errors in
// each face's shape at every layer, metrics, and every API face.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Logger as PinoLogger } from 'nestjs-pino';
import { Histogram, register } from 'prom-client';
import type { GatewayConfig } from '@voxmail/config';
import { collectProcessMetrics, REQUEST_ID_HEADER, sanitizeRequestId } from '@voxmail/messaging';
import { corsHeadersFor, corsOptions } from './common/cors';
import { clientErrorHandler, JSON_TYPE, MAX_URL_LENGTH, renderStatusError } from './common/faces';
import { registerStreamingBodies } from './application/body-parsers';
import { installCheapAsyncBind } from './common/async-bind';
import { configureStreams } from './application/object-transfer';
import { createGatewayServer, GatewayServer } from './common/http-server';
import { FrameworkErrorFilter } from './common/faces';
import { isKazooPath } from './faces/kazoo/kazoo.face';
import { JsonDepthScanner, MAX_JSON_BODY_BYTES, registerJsonBodies } from './common/json-body';
import { EarlyAdmission } from './fairness/early-admission';
import { GatewayModule } from './gateway.module';

type TunnelledRequest = IncomingMessage & { voxmailBody?: Buffer };

const TUNNEL_VERBS = new Set(['GET', 'PUT', 'POST', 'PATCH', 'DELETE']);
const MAX_TUNNEL_BODY = MAX_JSON_BODY_BYTES;

/**
 * The `verb` of the request envelope itself (`{"data": {...}, "verb": "PUT"}`), never a `verb` key
 * somewhere inside the document: a box with a custom `verb` field must not turn a POST into a DELETE.
 */
function envelopeVerb(body: Buffer): string | undefined {
  if (!body.includes('"verb"')) return undefined;
  // a body nested too deep is refused by the JSON reader; never parse it here
  if (!new JsonDepthScanner().push(body)) return undefined;
  try {
    const envelope: unknown = JSON.parse(body.toString('utf8'));
    const verb = (envelope as { verb?: unknown } | null)?.verb;
    return typeof verb === 'string' ? verb.toUpperCase() : undefined;
  } catch {
    return undefined; // Fastify answers the malformed JSON itself
  }
}

/**
 * Kazoo clients limited to GET/POST tunnel the verb in `?verb=` or in the JSON envelope's `verb`.
 * Only a POST tunnels, and only on the Kazoo face: a GET must never change anything (a link or an
 * `<img src=".../vmboxes/{id}?verb=DELETE">` on any page would delete a box). Routing needs the real
 * method before Fastify picks a route, so small JSON POST bodies are read here and handed back to
 * Fastify through a preParsing hook.
 */
function tunnellingServer(
  config: GatewayConfig,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): GatewayServer {
  return createGatewayServer(config, (req: TunnelledRequest, res) => {
    if (req.method !== 'POST' || !isKazooPath(req.url)) return handler(req, res);
    const query = /[?&]verb=([A-Za-z]+)/.exec(req.url ?? '');
    if (query && TUNNEL_VERBS.has(query[1].toUpperCase())) {
      req.method = query[1].toUpperCase();
      return handler(req, res);
    }
    const length = Number(req.headers['content-length'] ?? -1);
    if (
      /json|x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '') &&
      length >= 0 &&
      length <= MAX_TUNNEL_BODY
    ) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('error', () => res.destroy());
      req.on('end', () => {
        req.voxmailBody = Buffer.concat(chunks);
        const verb = envelopeVerb(req.voxmailBody);
        if (verb && TUNNEL_VERBS.has(verb)) req.method = verb;
        handler(req, res);
      });
      return;
    }
    handler(req, res);
  });
}

export interface RunningGateway {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

export async function startGateway(
  config: GatewayConfig,
  opts: { handleSignals?: boolean } = {},
): Promise<RunningGateway> {
  collectProcessMetrics('api-gateway');
  installCheapAsyncBind();
  configureStreams({
    perAccount: config.fairness.streamsPerAccount,
    idleTimeoutMs: config.fairness.streamIdleTimeoutMs,
  });
  const cors = corsHeadersFor(config.corsAllowedOrigins);
  const adapter = new FastifyAdapter({
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
      tunnellingServer(config, handler),
    bodyLimit: MAX_TUNNEL_BODY,
    genReqId: (req: IncomingMessage) => sanitizeRequestId(req.headers[REQUEST_ID_HEADER]),
    trustProxy: config.trustProxy,
    // Kazoo ignores a trailing slash on every path (the PHP SDK creates with `PUT .../vmboxes/`)
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 256 },
    clientErrorHandler: clientErrorHandler(cors),
    // errors of Fastify's router (a malformed %-escape, a too-long path segment), before any hook
    frameworkErrors: (err: { code?: string }, req: FastifyRequest, reply: FastifyReply) => {
      const tooLong = err.code === 'FST_ERR_MAX_PARAM_LENGTH';
      const { status, body } = renderStatusError(
        req.url,
        tooLong ? 414 : 400,
        tooLong ? 'the request URI is too long' : 'the request URL is malformed',
        String(req.id),
      );
      // written as is: Fastify's send would add `; charset=utf-8`, and no onSend hook runs here
      reply.hijack();
      reply.raw.writeHead(status, {
        ...cors(req.headers.origin),
        'Content-Type': JSON_TYPE,
        'Content-Length': Buffer.byteLength(body),
        'X-Request-Id': String(req.id),
      });
      reply.raw.end(body);
    },
  } as never);
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.register(config), adapter, {
    bufferLogs: true,
    abortOnError: false,
    // JSON and form bodies are read by common/json-body.ts (bounded, empty is no data, JSON sent as a form)
    bodyParser: false,
  });
  app.useLogger(app.get(PinoLogger));
  // only what no face's filter catches: unknown routes, body parsing, refusals before routing
  app.useGlobalFilters(new FrameworkErrorFilter());
  app.enableCors(corsOptions(config.corsAllowedOrigins));
  const fastify = app.getHttpAdapter().getInstance();
  registerJsonBodies(fastify, config.fairness.unauthenticatedBodyBytes);
  registerStreamingBodies(fastify);
  const httpSeconds =
    (register.getSingleMetric('voxmail_http_request_duration_seconds') as Histogram) ??
    new Histogram({
      name: 'voxmail_http_request_duration_seconds',
      help: 'HTTP request time in the gateway',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    });
  fastify.addHook('preParsing', async (req, _reply, payload) => {
    const buffered = (req.raw as TunnelledRequest).voxmailBody;
    return buffered ? Readable.from([buffered]) : payload;
  });
  fastify.addHook('onRequest', async (req) => {
    // Node's own limit is the whole header block (16 KiB): a URL is refused well before that
    if ((req.raw.url ?? '').length > MAX_URL_LENGTH) {
      throw Object.assign(new Error('the request URI is too long'), { statusCode: 414 });
    }
  });
  // an account over its rate, stream slots or in-flight requests is refused here, before its body is read
  app.get(EarlyAdmission).register(fastify, cors);
  fastify.addHook('onSend', async (req, reply, payload) => {
    void reply.header('X-Request-Id', req.id);
    // exactly `application/json`, as Kazoo sends it: jquery.kazoosdk parses error bodies only then
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && /^application\/json\s*;/i.test(type))
      void reply.header('Content-Type', JSON_TYPE);
    return payload;
  });
  fastify.addHook('onResponse', async (req, reply) => {
    httpSeconds.observe(
      { method: req.method, route: req.routeOptions?.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  if (opts.handleSignals !== false) app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.listen(config.port, config.host);
  const addr = app.getHttpServer().address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const scheme = config.tls ? 'https' : 'http';
  return { app, url: `${scheme}://127.0.0.1:${port}`, close: () => app.close() };
}
