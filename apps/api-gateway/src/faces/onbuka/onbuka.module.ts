// The Onbuka voice face under `/v3`: sendGroup broadcasts, signed by Api-Key/Timestamp/Sign.
import { Module } from '@nestjs/common';
import { OnbukaContext } from './onbuka.context';
import { OnbukaGuard } from './onbuka.guard';
import { OnbukaSendGroupController } from './send-group.controller';

@Module({
  controllers: [OnbukaSendGroupController],
  providers: [OnbukaContext, OnbukaGuard],
})
export class OnbukaModule {}
