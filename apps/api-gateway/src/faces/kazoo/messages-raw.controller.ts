// Kazoo crossbar binary answers of messages: a message's audio (with Range) and ZIP archives, streamed
// from the object store (no JSON envelope on success; errors are still Kazoo's).
import { Body, Get, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Commands, formatOfMediaType, TRANSCODE_TARGETS, TranscodeTarget } from '@voxmail/contracts';
import { ARCHIVE_ANSWER, AudioArchives } from '../../application/audio-archive';
import { AUDIO_ANSWER, AudioDownloads } from '../../application/audio-download';
import { BodySchema, Responds } from '../../common/openapi-meta';
import { CommandBus } from '../../common/command-bus';
import type { GatewayRequest } from '../../common/request';
import { KazooController } from './kazoo.controller';
import { Box, MessageId } from './params';
import { dataOf, invalid } from './request';

/** The format a client asks for with `?format=` or `Accept`, when it is one we can transcode to. */
function wantedFormat(req: GatewayRequest): TranscodeTarget | undefined {
  const q = ((req.query ?? {}) as Record<string, unknown>).format;
  if (typeof q === 'string') {
    if (!(TRANSCODE_TARGETS as readonly string[]).includes(q))
      throw invalid('format', 'enum', `format must be one of ${TRANSCODE_TARGETS.join(', ')}`);
    return q as TranscodeTarget;
  }
  const accept = req.headers.accept;
  if (typeof accept !== 'string') return undefined;
  for (const t of accept.split(',')) {
    const f = formatOfMediaType(t);
    if (f && (TRANSCODE_TARGETS as readonly string[]).includes(f)) return f as TranscodeTarget;
  }
  return undefined;
}

const ARCHIVE_REQUEST = {
  type: 'object',
  required: ['messages'],
  properties: { messages: { type: 'array', minItems: 1, items: { type: 'string' } } },
};

@KazooController('accounts/:accountId/vmboxes/:vmboxId/messages', { envelope: false })
export class MessagesRawController {
  constructor(
    private readonly bus: CommandBus,
    private readonly downloads: AudioDownloads,
    private readonly archives: AudioArchives,
  ) {}

  @Get(':messageId/raw')
  // 422: audio too long to transcode to the `?format=` asked (download it as stored)
  @Responds({ ...AUDIO_ANSWER, errors: [416, 422] })
  async download(
    @Req() req: GatewayRequest,
    @Res() reply: FastifyReply,
    @Box() box: Box,
    @MessageId() id: string,
  ): Promise<void> {
    const audio = await this.bus.sendMedia(Commands.MessageAudio, {
      ...box,
      id,
      format: wantedFormat(req),
    });
    await this.downloads.send(req, reply, audio);
  }

  /** `POST .../messages/raw` with `{"data": {"messages": [...]}}`: a ZIP streamed while it is built. */
  @Post('raw')
  @BodySchema(ARCHIVE_REQUEST)
  @Responds(ARCHIVE_ANSWER)
  async archive(@Res() reply: FastifyReply, @Box() box: Box, @Body() body: unknown): Promise<void> {
    const data = dataOf(body);
    if (!Array.isArray(data.messages) || !data.messages.length) {
      throw invalid('messages', 'required', 'messages must be a non-empty list of message ids');
    }
    const entries = await this.bus.sendMedia(Commands.MessageArchive, {
      ...box,
      // a list is all the gateway checks; message-service checks each id
      messages: data.messages as string[],
    });
    await this.archives.send(reply, entries, `voicemails-${box.vmboxId}.zip`);
  }
}
