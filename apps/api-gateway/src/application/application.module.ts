// The face-neutral flows every face calls (audio upload, download with Range, ZIP archives, the live
// event stream). Global: a face's controllers inject them without importing this module.
import { Global, Module } from '@nestjs/common';
import { AudioArchives } from './audio-archive';
import { AudioDownloads } from './audio-download';
import { AudioIntake } from './audio-intake';
import { EventFeed } from './event-feed';
import { EventStreams } from './event-streams';

@Global()
@Module({
  providers: [AudioIntake, AudioDownloads, AudioArchives, EventFeed, EventStreams],
  exports: [AudioIntake, AudioDownloads, AudioArchives, EventStreams],
})
export class ApplicationModule {}
