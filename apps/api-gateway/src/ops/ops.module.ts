// Health, metrics and the API descriptions: part of no API face (no face's guard, envelope or error shape).
import { Module } from '@nestjs/common';
import { AsyncApiController } from './asyncapi.controller';
import { HealthController } from './health.controller';
import { OpenApiController } from './openapi.controller';
import { WebAppController } from './web-app.controller';

@Module({
  controllers: [HealthController, AsyncApiController, OpenApiController, WebAppController],
})
export class OpsModule {}
