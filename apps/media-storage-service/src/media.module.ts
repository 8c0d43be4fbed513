import { DynamicModule, Module } from '@nestjs/common';
import type { MediaConfig } from '@voxmail/config';
import { ServiceInfraModule } from '@voxmail/messaging';
import { MediaHandler } from './media.handler';
import { Outbox1764000000000 } from './migrations/1764000000000-outbox';
import { minioClientFor, ObjectStore, S3_CONFIG } from './storage/object-store';

export const MEDIA_SCHEMA = 'media';

export const MEDIA_ENTITIES = [];
export const MEDIA_MIGRATIONS = [Outbox1764000000000];

@Module({})
export class MediaModule {
  static register(config: MediaConfig): DynamicModule {
    const probe = minioClientFor(config.s3);
    return {
      module: MediaModule,
      imports: [
        ServiceInfraModule.forService({
          config,
          schema: MEDIA_SCHEMA,
          entities: MEDIA_ENTITIES,
          migrations: MEDIA_MIGRATIONS,
          readinessChecks: [
            {
              name: 'object_store',
              check: async () => {
                if (!(await probe.bucketExists(config.s3.bucket))) throw new Error(`bucket ${config.s3.bucket} is missing`);
              },
            },
          ],
        }),
      ],
      controllers: [MediaHandler],
      providers: [{ provide: S3_CONFIG, useValue: config.s3 }, ObjectStore],
      exports: [ObjectStore],
    };
  }
}
