// The Yeastar P-Series OpenAPI face: tokens and voicemail greetings under `/openapi/v1.0`, play links
// under `/api/download`.
import { Module } from '@nestjs/common';
import { YeastarDownloadController } from './download.controller';
import { YeastarGreetingsController } from './greetings.controller';
import { YeastarTokensController } from './tokens.controller';
import { YeastarContext } from './yeastar.context';
import { YeastarGuard } from './yeastar.guard';

@Module({
  controllers: [YeastarTokensController, YeastarGreetingsController, YeastarDownloadController],
  providers: [YeastarContext, YeastarGuard],
})
export class YeastarModule {}
