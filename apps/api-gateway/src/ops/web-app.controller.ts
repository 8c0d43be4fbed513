// The web app (apps/web, built by Vite into dist/apps/web) at /app/: index.html never cached (it names
// the current build's assets), the content-hashed assets cached for a year as immutable. Public files: the
// app itself signs in through the Kazoo API like any other client. Served from memory after the first read.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { Controller, Get, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError, ErrorCode } from '@voxmail/contracts';
import { NoFace, Responds } from '../common/openapi-meta';

const TYPES: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** What the page may load: its own origin only (audio, the API, the event stream); styles inline too. */
const CSP = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** dist/apps/web of the checkout this code runs from (compiled under dist/, or from source in tests). */
export function webAppDir(from = __dirname): string | undefined {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'dist', 'apps', 'web');
    if (existsSync(join(candidate, 'index.html'))) return candidate;
  }
  return undefined;
}

@NoFace()
@Controller()
export class WebAppController {
  private readonly files = new Map<string, Buffer>();

  private read(relative: string): Buffer {
    let body = this.files.get(relative);
    if (!body) {
      const dir = webAppDir();
      const file = dir && join(dir, relative);
      if (!file || !existsSync(file))
        throw new DomainError(ErrorCode.NotFound, dir ? 'no such file' : 'the web app is not built');
      body = readFileSync(file);
      this.files.set(relative, body);
    }
    return body;
  }

  @Get('app')
  @Responds({ content: { 'text/html': { schema: { type: 'string' } } }, errors: [404] })
  page(@Res({ passthrough: true }) reply: FastifyReply): Buffer {
    const body = this.read('index.html');
    void reply
      .header('Content-Type', 'text/html; charset=utf-8')
      .header('Cache-Control', 'no-cache')
      .header('Content-Security-Policy', CSP)
      // media URLs carry ?auth_token=: never hand them to another site as a referrer
      .header('Referrer-Policy', 'no-referrer')
      .header('X-Content-Type-Options', 'nosniff');
    return body;
  }

  @Get('app/assets/:file')
  @Responds({
    content: Object.fromEntries(
      Object.values(TYPES).map((t) => [t.split(';')[0], { schema: { type: 'string' } }]),
    ),
    errors: [404],
  })
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer {
    const type = TYPES[extname(file)];
    if (!type || !/^[\w-]+\.[a-z0-9]+$/i.test(file))
      throw new DomainError(ErrorCode.NotFound, 'no such file');
    const body = this.read(join('assets', file));
    void reply
      .header('Content-Type', type)
      .header('Cache-Control', 'public, max-age=31536000, immutable')
      .header('X-Content-Type-Options', 'nosniff');
    return body;
  }
}
