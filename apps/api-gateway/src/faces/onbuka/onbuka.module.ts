// The Onbuka voice face under `/v3`: sendGroup broadcasts and their call records, signed by
// Api-Key/Timestamp/Sign.
import { Module } from '@nestjs/common';
import { OnbukaContext } from './onbuka.context';
import { OnbukaGuard } from './onbuka.guard';
import { OnbukaRecordGroupController } from './record-group.controller';
import { OnbukaSendGroupController } from './send-group.controller';

@Module({
  controllers: [OnbukaSendGroupController, OnbukaRecordGroupController],
  providers: [OnbukaContext, OnbukaGuard],
})
export class OnbukaModule {}
