// The Flexisip account manager face: voicemail slots of SIP voicemail servers under `/api`.
import { Module } from '@nestjs/common';
import { FlexisipContext } from './flexisip.context';
import { FlexisipGuard } from './flexisip.guard';
import { FlexisipVoicemailFilesController } from './voicemail-files.controller';
import { FlexisipVoicemailsController } from './voicemails.controller';

@Module({
  controllers: [FlexisipVoicemailsController, FlexisipVoicemailFilesController],
  providers: [FlexisipContext, FlexisipGuard],
})
export class FlexisipModule {}
