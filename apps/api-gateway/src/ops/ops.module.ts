// Health and metrics: part of no API face (no face's guard, envelope or error shape).
import { Module } from '@nestjs/common';
import { AsyncApiController } from './asyncapi.controller';
import { HealthController } from './health.controller';

@Module({
  controllers: [HealthController, AsyncApiController],
})
export class OpsModule {}
