// The gateway: the core (config, NATS, bus, token verification), the face-neutral flows, ops, and one
// module per API face. Adding a face is its folder under faces/ and one line here (and its prefix in
// common/faces.ts).
import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { GatewayConfig } from '@voxmail/config';
import { appLoggerParams } from '@voxmail/messaging';
import { ApplicationModule } from './application/application.module';
import { CoreModule } from './common/core.module';
import { FairnessModule } from './fairness/fairness.module';
import { FlexisipModule } from './faces/flexisip/flexisip.module';
import { KazooModule } from './faces/kazoo/kazoo.module';
import { OpsModule } from './ops/ops.module';
import { YeastarModule } from './faces/yeastar/yeastar.module';
import { OnbukaModule } from './faces/onbuka/onbuka.module';

@Module({})
export class GatewayModule {
  static register(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        LoggerModule.forRoot(appLoggerParams('api-gateway', config.logLevel)),
        CoreModule.register(config),
        FairnessModule,
        ApplicationModule,
        OpsModule,
        KazooModule,
        FlexisipModule,
        YeastarModule,
        OnbukaModule,
      ],
    };
  }
}
