// Health and metrics: part of no API face (no face's guard, envelope or error shape).
import { Module } from '@nestjs/common';
import { HealthController } from './health.controller';

@Module({
  controllers: [HealthController],
})
export class OpsModule {}
