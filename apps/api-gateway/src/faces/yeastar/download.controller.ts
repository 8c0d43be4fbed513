// Yeastar play links: `GET {base_url}/api/download/<opaque>.<ext>` with no token; the signed link is the
// credential. Range and HEAD as for every audio download.
import { Controller, Get, Head, Param, Req, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Commands, DomainError, ErrorCode, MessageAudio } from '@voxmail/contracts';
import { AUDIO_ANSWER, AudioDownloads } from '../../application/audio-download';
import { Responds } from '../../common/openapi-meta';
import type { GatewayRequest } from '../../common/request';
import { YeastarContext } from './yeastar.context';
import { YeastarDownloadFilter } from './yeastar.filter';

/** A link is a browser's or player's URL: its failures carry the HTTP status (403, 404, 416) too. */
@Controller('api/download')
@UseFilters(YeastarDownloadFilter)
export class YeastarDownloadController {
  constructor(
    private readonly ctx: YeastarContext,
    private readonly downloads: AudioDownloads,
  ) {}

  private async audio(file: string): Promise<MessageAudio> {
    const t = this.ctx.links.verify(file);
    if (t === 'invalid') throw new DomainError(ErrorCode.Forbidden, 'invalid link');
    if (t === 'expired') throw new DomainError(ErrorCode.Forbidden, 'the link has expired');
    return this.ctx.bus.send(Commands.MediaDocumentAudio, { tenantId: t.tenantId, id: t.mediaId });
  }

  @Head(':file')
  @Responds({ ...AUDIO_ANSWER, errors: [403] })
  async head(@Res() reply: FastifyReply, @Param('file') file: string): Promise<void> {
    await this.downloads.head(reply, await this.audio(file));
  }

  @Get(':file')
  @Responds({ ...AUDIO_ANSWER, errors: [403, 416] })
  async download(
    @Req() req: GatewayRequest,
    @Res() reply: FastifyReply,
    @Param('file') file: string,
  ): Promise<void> {
    await this.downloads.send(req, reply, await this.audio(file));
  }
}
