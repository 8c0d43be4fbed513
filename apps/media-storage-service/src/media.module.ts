import { DynamicModule, Module } from '@nestjs/common';
import type { MediaConfig } from '@voxmail/config';
import { ServiceInfraModule } from '@voxmail/messaging';
import { MediaDocumentEntity } from './media/media-document.entity';
import { MediaDocumentsHandler } from './media/media-documents.handler';
import { MediaDocumentsRepository } from './media/media-documents.repository';
import { MediaDocumentsService } from './media/media-documents.service';
import { MediaObjectEntity } from './media/media-object.entity';
import { MediaObjectsHandler } from './media/media.handler';
import { MediaConsumers } from './media/media.consumers';
import { MediaLifecycle } from './media/media.lifecycle';
import { MediaRepository } from './media/media.repository';
import { MediaService } from './media/media.service';
import { StorageQuota } from './media/storage-quota';
import { Outbox1764000000000 } from './migrations/1764000000000-outbox';
import { Objects1764100000000 } from './migrations/1764100000000-objects';
import { Documents1764400000000 } from './migrations/1764400000000-documents';
import { IdempotencyKeys1764950000000 } from './migrations/1764950000000-idempotency-keys';
import { GreetingOf1765300000000 } from './migrations/1765300000000-greeting-of';
import { StorageQuota1765100000000 } from './migrations/1765100000000-storage-quota';
import { MAILBOX_TIMEOUT_MS, MEDIA_SETTINGS } from './settings';
import { minioClientFor, ObjectStore, S3_CONFIG } from './storage/object-store';
import { MEDIA_SCHEMA } from './tokens';

export { MEDIA_SCHEMA };

export const MEDIA_ENTITIES = [MediaObjectEntity, MediaDocumentEntity];
export const MEDIA_MIGRATIONS = [
  Outbox1764000000000,
  Objects1764100000000,
  Documents1764400000000,
  IdempotencyKeys1764950000000,
  StorageQuota1765100000000,
  GreetingOf1765300000000,
];

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
                if (!(await probe.bucketExists(config.s3.bucket)))
                  throw new Error(`bucket ${config.s3.bucket} is missing`);
              },
            },
          ],
        }),
      ],
      controllers: [MediaObjectsHandler, MediaDocumentsHandler],
      providers: [
        { provide: S3_CONFIG, useValue: config.s3 },
        { provide: MEDIA_SETTINGS, useValue: config.media },
        { provide: MAILBOX_TIMEOUT_MS, useValue: config.vmboxTimeoutMs },
        StorageQuota,
        ObjectStore,
        MediaRepository,
        MediaService,
        MediaDocumentsRepository,
        MediaDocumentsService,
        MediaLifecycle,
        MediaConsumers,
      ],
      exports: [ObjectStore],
    };
  }
}
