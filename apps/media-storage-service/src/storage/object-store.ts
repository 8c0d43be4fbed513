// The object store (MinIO/S3). media-storage-service is the only holder of its credentials.
import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Readable } from 'node:stream';
import { BucketItemStat, Client, CopyConditions } from 'minio';
import type { S3Config } from '@voxmail/config';

export const S3_CONFIG = Symbol('S3_CONFIG');

export function minioClientFor(s3: S3Config): Client {
  const u = new URL(s3.endpoint);
  return new Client({
    endPoint: u.hostname,
    port: u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80,
    useSSL: u.protocol === 'https:',
    accessKey: s3.accessKey,
    secretKey: s3.secretKey,
    region: s3.region,
    pathStyle: true,
  });
}

@Injectable()
export class ObjectStore implements OnModuleInit {
  private readonly log = new Logger(ObjectStore.name);
  readonly client: Client;
  readonly bucket: string;

  constructor(@Inject(S3_CONFIG) private readonly s3: S3Config) {
    this.client = minioClientFor(s3);
    this.bucket = s3.bucket;
  }

  /** The bucket is created at start if missing. */
  async onModuleInit(): Promise<void> {
    if (!(await this.client.bucketExists(this.bucket))) {
      try {
        await this.client.makeBucket(this.bucket, this.s3.region);
        this.log.log(`bucket ${this.bucket} created`);
      } catch (e) {
        // another replica may have created it meanwhile
        if (!(await this.client.bucketExists(this.bucket))) throw e;
      }
    }
  }

  async ping(): Promise<void> {
    if (!(await this.client.bucketExists(this.bucket))) throw new Error(`bucket ${this.bucket} is missing`);
  }

  presignPut(key: string, ttlS: number): Promise<string> {
    return this.client.presignedPutObject(this.bucket, key, ttlS);
  }

  presignGet(key: string, ttlS: number, contentType?: string): Promise<string> {
    return this.client.presignedGetObject(
      this.bucket,
      key,
      ttlS,
      contentType ? { 'response-content-type': contentType } : {},
    );
  }

  /** The object's size and etag, or undefined when there is no such object. */
  async stat(key: string): Promise<BucketItemStat | undefined> {
    try {
      return await this.client.statObject(this.bucket, key);
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  }

  read(key: string): Promise<Readable> {
    return this.client.getObject(this.bucket, key);
  }

  /** The first `length` bytes of an object (fewer when it is shorter): one ranged GET. */
  async readHead(key: string, length: number): Promise<Buffer> {
    const s = await this.client.getPartialObject(this.bucket, key, 0, length);
    const parts: Buffer[] = [];
    for await (const c of s) parts.push(c as Buffer);
    return Buffer.concat(parts);
  }

  /** Removes an object; a missing one is already what we want. */
  async remove(key: string): Promise<void> {
    try {
      await this.client.removeObject(this.bucket, key);
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    await this.client.copyObject(this.bucket, toKey, `/${this.bucket}/${fromKey}`, new CopyConditions());
  }

  async putFile(key: string, path: string, contentType: string): Promise<void> {
    await this.client.fPutObject(this.bucket, key, path, { 'Content-Type': contentType });
  }
}

function isMissing(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === 'NoSuchKey' || code === 'NotFound' || code === 'NoSuchObject';
}
