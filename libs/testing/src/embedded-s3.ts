// An S3-compatible server in this process (s3rver), standing in for MinIO on machines that have none.
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';

export interface EmbeddedS3Options {
  /** Folder holding buckets and objects; created when missing. */
  dataDir: string;
  /** 0 or unset: any free port. */
  port?: number;
  host?: string;
  accessKey: string;
  secretKey: string;
}

export interface EmbeddedS3 {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  stop(): Promise<void>;
}

// The parts of s3rver (a Koa application without type declarations) used here.
interface KoaContext {
  method: string;
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  status: number;
  type: string;
  body: unknown;
}
type KoaMiddleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface S3rverServer {
  middleware: KoaMiddleware[];
  httpServer?: Server;
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverServer;
interface S3rverAccount {
  createKeyPair(accessKeyId: string, secretAccessKey: string): void;
  revokeAccessKey(accessKeyId: string): void;
}

const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

function xmlError(ctx: KoaContext, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/**
 * Requests must be signed like on MinIO: s3rver lets anonymous requests through, which would hide a
 * missing signature in the code under test. CORS preflights stay open.
 */
const requireSignature: KoaMiddleware = async (ctx, next) => {
  const signed =
    ctx.headers.authorization !== undefined ||
    'X-Amz-Algorithm' in ctx.query ||
    'Signature' in ctx.query ||
    'AWSAccessKeyId' in ctx.query;
  if (!signed && ctx.method !== 'OPTIONS') return xmlError(ctx, 403, 'AccessDenied', 'Access Denied');
  await next();
};

/**
 * s3rver has no ListMultipartUploads (`GET /<bucket>?uploads`); the minio client asks it before every
 * upload of unknown size to resume an earlier one. s3rver keeps no resumable uploads, so after it has
 * checked the signature and the bucket (it throws NotImplemented only then), the answer is an empty list.
 */
const listMultipartUploads: KoaMiddleware = async (ctx, next) => {
  try {
    await next();
  } catch (e) {
    const bucket = /^\/([^/]+)\/?$/.exec(ctx.path)?.[1];
    if (
      ctx.method !== 'GET' ||
      !('uploads' in ctx.query) ||
      !bucket ||
      (e as { code?: string }).code !== 'NotImplemented'
    ) {
      throw e;
    }
    ctx.status = 200;
    ctx.type = 'application/xml';
    ctx.body =
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListMultipartUploadsResult xmlns="${S3_NS}">` +
      `<Bucket>${bucket}</Bucket><KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>` +
      `<NextKeyMarker></NextKeyMarker><NextUploadIdMarker></NextUploadIdMarker>` +
      `<MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated></ListMultipartUploadsResult>`;
  }
};

/** Starts the server; only the given key pair is accepted (s3rver's built-in S3RVER/S3RVER pair is revoked). */
export async function startEmbeddedS3(o: EmbeddedS3Options): Promise<EmbeddedS3> {
  // Loaded on demand: s3rver pulls in Koa and winston, which most users of this library never need.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const S3rver = require('@20minutes/s3rver') as S3rverConstructor;
  const { DUMMY_ACCOUNT } = require('@20minutes/s3rver/lib/models/account') as {
    DUMMY_ACCOUNT: S3rverAccount;
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  mkdirSync(o.dataDir, { recursive: true });
  const host = o.host ?? '127.0.0.1';
  const server = new S3rver({
    address: host,
    port: o.port ?? 0,
    directory: o.dataDir,
    silent: true,
    vhostBuckets: false,
    allowMismatchedSignatures: false,
  });
  server.middleware.unshift(requireSignature, listMultipartUploads);
  DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
  DUMMY_ACCOUNT.createKeyPair(o.accessKey, o.secretKey);
  const addr = await server.run();
  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
  let stopped = false;
  return {
    endpoint,
    accessKey: o.accessKey,
    secretKey: o.secretKey,
    async stop() {
      if (stopped) return;
      stopped = true;
      DUMMY_ACCOUNT.revokeAccessKey(o.accessKey);
      // keep-alive sockets of clients would otherwise hold close() open
      server.httpServer?.closeAllConnections();
      await server.close();
    },
  };
}
