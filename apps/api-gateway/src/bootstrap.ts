// Boots the gateway: Fastify with Kazoo verb tunnelling, request ids, metrics, and every API face.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger as PinoLogger } from 'nestjs-pino';
import { Histogram, register } from 'prom-client';
import type { GatewayConfig } from '@voxmail/config';
import { collectProcessMetrics, REQUEST_ID_HEADER, sanitizeRequestId } from '@voxmail/messaging';
import { GatewayModule } from './gateway.module';
import { KazooExceptionFilter } from './kazoo/kazoo.filter';
import { registerStreamingBodies } from './media/body-parsers';

type TunnelledRequest = IncomingMessage & { voxmailBody?: Buffer };

const TUNNEL_VERBS = new Set(['GET', 'PUT', 'POST', 'PATCH', 'DELETE']);
const MAX_TUNNEL_BODY = 1024 * 1024;

/**
 * The `verb` of the request envelope itself (`{"data": {...}, "verb": "PUT"}`), never a `verb` key
 * somewhere inside the document: a box with a custom `verb` field must not turn a POST into a DELETE.
 */
function envelopeVerb(body: Buffer): string | undefined {
  if (!body.includes('"verb"')) return undefined;
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
 * Routing needs the real method before Fastify picks a route, so small JSON POST bodies are read
 * here and handed back to Fastify through a preParsing hook.
 */
function tunnellingServer(handler: (req: IncomingMessage, res: ServerResponse) => void): Server {
  return createServer((req: TunnelledRequest, res) => {
    const query = /[?&]verb=([A-Za-z]+)/.exec(req.url ?? '');
    if (
      (req.method === 'POST' || req.method === 'GET') &&
      query &&
      TUNNEL_VERBS.has(query[1].toUpperCase())
    ) {
      req.method = query[1].toUpperCase();
      return handler(req, res);
    }
    const length = Number(req.headers['content-length'] ?? -1);
    if (
      req.method === 'POST' &&
      /json/i.test(req.headers['content-type'] ?? '') &&
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
  const adapter = new FastifyAdapter({
    serverFactory: tunnellingServer,
    bodyLimit: MAX_TUNNEL_BODY,
    genReqId: (req: IncomingMessage) => sanitizeRequestId(req.headers[REQUEST_ID_HEADER]),
    trustProxy: config.trustProxy,
  } as never);
  const app = await NestFactory.create<NestFastifyApplication>(GatewayModule.register(config), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(PinoLogger));
  app.useGlobalFilters(new KazooExceptionFilter());
  const fastify = app.getHttpAdapter().getInstance();
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
  fastify.addHook('onSend', async (req, reply, payload) => {
    void reply.header('X-Request-Id', req.id);
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
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
