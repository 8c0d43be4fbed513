import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Client } from 'minio';
import { EmbeddedS3, startEmbeddedS3 } from './embedded-s3';

const MIB = 1024 * 1024;

function clientFor(endpoint: string, accessKey: string, secretKey: string): Client {
  const u = new URL(endpoint);
  return new Client({
    endPoint: u.hostname,
    port: Number(u.port),
    useSSL: false,
    accessKey,
    secretKey,
    region: 'us-east-1',
    pathStyle: true,
    // the smallest part S3 allows, so a few MiB already make a multipart upload (the default is 64 MiB)
    partSize: 5 * MIB,
  });
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('embedded S3', () => {
  const bucket = 'voxmail-spec';
  let dir: string;
  let s3: EmbeddedS3;
  let client: Client;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'voxmail-s3-'));
    s3 = await startEmbeddedS3({
      dataDir: join(dir, 'data'),
      accessKey: 'VOXSPEC' + randomBytes(6).toString('hex').toUpperCase(),
      secretKey: randomBytes(20).toString('base64url'),
    });
    client = clientFor(s3.endpoint, s3.accessKey, s3.secretKey);
    await client.makeBucket(bucket, 'us-east-1');
  });

  afterAll(async () => {
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a bucket that then exists', async () => {
    expect(await client.bucketExists(bucket)).toBe(true);
    expect(await client.bucketExists('voxmail-missing')).toBe(false);
  });

  it('stores an object of known size and reads it back whole and by range', async () => {
    const body = Buffer.from('RIFF....WAVEfmt hello voicemail');
    await client.putObject(bucket, 't1/greeting/a', body, body.length, { 'Content-Type': 'audio/wav' });

    expect(await readAll(await client.getObject(bucket, 't1/greeting/a'))).toEqual(body);
    expect((await readAll(await client.getPartialObject(bucket, 't1/greeting/a', 8, 4))).toString()).toBe(
      'WAVE',
    );

    const stat = await client.statObject(bucket, 't1/greeting/a');
    expect(stat.size).toBe(body.length);
    expect(stat.metaData['content-type']).toBe('audio/wav');
  });

  it('stores a stream of unknown size as a multipart upload', async () => {
    const part = randomBytes(MIB);
    const chunks = Array.from({ length: 6 }, () => part);
    chunks.push(Buffer.from('tail'));
    const expected = Buffer.concat(chunks);
    const complete = jest.spyOn(client, 'completeMultipartUpload');

    await client.putObject(bucket, 't1/message/big', Readable.from(chunks));

    // 6 MiB + 4 bytes in parts of 5 MiB
    expect(complete).toHaveBeenCalledTimes(1);
    expect(complete.mock.calls[0][3]).toHaveLength(2);
    complete.mockRestore();
    const stat = await client.statObject(bucket, 't1/message/big');
    expect(stat.size).toBe(expected.length);
    expect((await readAll(await client.getObject(bucket, 't1/message/big'))).equals(expected)).toBe(true);
  });

  it('removes an object', async () => {
    await client.putObject(bucket, 't1/message/gone', Buffer.from('x'), 1);
    await client.removeObject(bucket, 't1/message/gone');
    await expect(client.statObject(bucket, 't1/message/gone')).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('serves a presigned GET URL to a plain HTTP client', async () => {
    await client.putObject(bucket, 't1/message/play', Buffer.from('audio bytes'), 11);
    const url = await client.presignedGetObject(bucket, 't1/message/play', 60);

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('audio bytes');

    const ranged = await fetch(url, { headers: { Range: 'bytes=6-10' } });
    expect(ranged.status).toBe(206);
    expect(await ranged.text()).toBe('bytes');
  });

  it('refuses a presigned URL whose signature was altered', async () => {
    const url = new URL(await client.presignedGetObject(bucket, 't1/message/play', 60));
    const sig = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set('X-Amz-Signature', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
    expect((await fetch(url)).status).toBe(403);
  });

  it('refuses an expired presigned URL', async () => {
    const signedTwoMinutesAgo = new Date(Date.now() - 120_000);
    const url = await client.presignedGetObject(bucket, 't1/message/play', 60, {}, signedTwoMinutesAgo);
    expect((await fetch(url)).status).toBe(403);
  });

  it('refuses requests signed with a wrong secret and unsigned requests', async () => {
    const wrong = clientFor(s3.endpoint, s3.accessKey, s3.secretKey + 'x');
    await expect(wrong.getObject(bucket, 't1/greeting/a')).rejects.toMatchObject({
      code: 'SignatureDoesNotMatch',
    });
    await expect(wrong.putObject(bucket, 't1/greeting/evil', Buffer.from('x'), 1)).rejects.toMatchObject({
      code: 'SignatureDoesNotMatch',
    });

    const unknownKey = clientFor(s3.endpoint, 'S3RVER', 'S3RVER');
    await expect(unknownKey.getObject(bucket, 't1/greeting/a')).rejects.toMatchObject({
      code: 'InvalidAccessKeyId',
    });

    expect((await fetch(`${s3.endpoint}/${bucket}/t1/greeting/a`)).status).toBe(403);
  });
});
