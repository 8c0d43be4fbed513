// The face-neutral flows every face calls (audio upload, download with Range, ZIP archives). Global:
// a face's controllers inject them without importing this module.
import { Global, Module } from '@nestjs/common';
import { AudioArchives } from './audio-archive';
import { AudioDownloads } from './audio-download';
import { AudioIntake } from './audio-intake';

@Global()
@Module({
  providers: [AudioIntake, AudioDownloads, AudioArchives],
  exports: [AudioIntake, AudioDownloads, AudioArchives],
})
export class ApplicationModule {}
