// The Flexisip account manager face: voicemail slots of SIP voicemail servers under `/api`.
import { Module } from '@nestjs/common';
import { FlexisipContext } from './flexisip.context';
import { FlexisipAccountsController } from './accounts.controller';
import { FlexisipFilesController } from './files.controller';
import { FlexisipAdminGuard, FlexisipGuard } from './flexisip.guard';
import { SlotUploads } from './slot-uploads';
import { FlexisipVoicemailFilesController } from './voicemail-files.controller';
import { FlexisipVoicemailsController } from './voicemails.controller';

@Module({
  controllers: [
    FlexisipAccountsController,
    FlexisipVoicemailsController,
    FlexisipFilesController,
    FlexisipVoicemailFilesController,
  ],
  providers: [FlexisipContext, FlexisipGuard, FlexisipAdminGuard, SlotUploads],
})
export class FlexisipModule {}
