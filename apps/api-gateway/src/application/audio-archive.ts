// Face-neutral ZIP archives: stored audio objects streamed into a ZIP while it is built.
import { once } from 'node:events';
import { Injectable } from '@nestjs/common';
import archiver from 'archiver';
import type { FastifyReply } from 'fastify';
import type { ArchiveEntry } from '@voxmail/contracts';
import type { DocumentedResponse } from '../common/openapi-meta';
import { accountOfObjectUrl, cutWhenIdle, ObjectResponse, openObject, streamSlots } from './object-transfer';

/** What `send` answers (OpenAPI). */
export const ARCHIVE_ANSWER: DocumentedResponse = {
  status: 200,
  content: { 'application/zip': { schema: { type: 'string', contentMediaType: 'application/zip' } } },
  headers: {
    'Content-Disposition': {
      description: '`attachment; filename="..."`',
      required: true,
      schema: { type: 'string' },
    },
  },
};

@Injectable()
export class AudioArchives {
  /** Answers 200 with a ZIP of `entries` named `filename`, one store response open at a time. */
  async send(reply: FastifyReply, entries: ArchiveEntry[], filename: string): Promise<void> {
    // one stream slot for the whole archive (its entries are read one at a time): 429 before any byte
    const release = entries.length
      ? streamSlots.acquire(accountOfObjectUrl(entries[0].url))
      : () => undefined;
    // audio is already compressed: store entries, which also keeps the gateway's work per byte small
    const zip = archiver('zip', { store: true });
    zip.on('warning', () => undefined);
    void reply
      .status(200)
      .header('Content-Type', 'application/zip')
      .header('Content-Disposition', `attachment; filename="${filename}"`);
    // a client that hangs up destroys the ZIP: stop, and release the store response being copied
    const gone = new AbortController();
    let current: ObjectResponse | undefined;
    zip.once('close', () => {
      release();
      gone.abort();
      current?.body.destroy();
    });
    void (async () => {
      for (const e of entries) {
        if (gone.signal.aborted) return;
        const upstream = (current = await openObject(e.url, undefined, { slot: false }));
        if (gone.signal.aborted) return void upstream.body.destroy();
        if (upstream.status !== 200) {
          upstream.body.resume();
          throw new Error(`object store answered ${upstream.status} for ${e.id}`);
        }
        const added = once(zip, 'entry', { signal: gone.signal });
        zip.append(upstream.body, { name: e.name });
        await added; // one entry at a time: never more than one store response open
      }
      await zip.finalize();
    })().catch((e: Error) => {
      current?.body.destroy();
      if (!gone.signal.aborted) zip.destroy(e);
    });
    cutWhenIdle(reply.raw.socket, reply.raw);
    reply.raw.once('close', release);
    await reply.send(zip);
  }
}
