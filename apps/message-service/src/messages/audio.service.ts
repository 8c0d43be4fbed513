// A message's audio for download (optionally transcoded) and the entries of a ZIP of several.
import { Injectable } from '@nestjs/common';
import {
  ArchiveEntry,
  ArchiveMessagesCommand,
  DomainError,
  ErrorCode,
  isMessageId,
  MessageAudio,
  MessageAudioCommand,
} from '@voxmail/contracts';
import { BoxDirectory, MediaLibrary } from '../peers';
import { audioFileName } from './message-views';
import { MessagesRepository } from './messages.repository';
import { MessagesService } from './messages.service';

@Injectable()
export class AudioService {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly boxes: BoxDirectory,
    private readonly media: MediaLibrary,
    private readonly reader: MessagesService,
  ) {}

  async audio(cmd: MessageAudioCommand): Promise<MessageAudio> {
    const e = await this.reader.readable(cmd);
    if (!e.media) throw new DomainError(ErrorCode.NotFound, 'the message has no audio yet');
    const format = cmd.format && cmd.format !== e.media.format ? cmd.format : undefined;
    const t = await this.media.download(cmd.tenantId, cmd.actor, e.media.object_id, format);
    return { ...t, name: audioFileName(e, t.format) };
  }

  /** The entries of a ZIP of several messages' audio; messages without audio or unknown ids are left out. */
  async archive(cmd: ArchiveMessagesCommand): Promise<ArchiveEntry[]> {
    await this.boxes.require(cmd.actor, cmd.tenantId, cmd.vmboxId);
    const entries: ArchiveEntry[] = [];
    for (const id of [...new Set(cmd.messages)]) {
      if (!isMessageId(id)) continue;
      const e = await this.messages.find(cmd.tenantId, cmd.vmboxId, id);
      if (!e?.media) continue;
      const t = await this.media.download(cmd.tenantId, cmd.actor, e.media.object_id);
      entries.push({
        id,
        name: audioFileName(e, t.format),
        url: t.url,
        size: t.size,
        content_type: t.content_type,
      });
    }
    if (!entries.length) throw DomainError.notFound('none of the messages has audio');
    return entries;
  }
}
