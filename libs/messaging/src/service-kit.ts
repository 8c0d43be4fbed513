// What every Voxmail service shares: logger, database with migrations, NATS + outbox relay, health, metrics.
import { AccountAccess } from './account-access';
import {
  BeforeApplicationShutdown,
  Controller,
  DynamicModule,
  Get,
  Global,
  Header,
  Inject,
  INestApplication,
  Injectable,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  OnModuleInit,
  Type,
} from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, ModulesContainer, NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorFunction,
  HealthIndicatorService,
  TerminusModule,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule, Logger as PinoLogger } from 'nestjs-pino';
import { NatsConnection } from 'nats';
import { DataSource, DataSourceOptions as TypeOrmOptions } from 'typeorm';
import type { ServiceConfig } from '@voxmail/config';
import { createDataSource, runMigrations } from '@voxmail/persistence';
import { EventConsumer } from './consumer';
import { eventConsumersOf } from './handle-event';
import { appLoggerParams } from './logging';
import { collectProcessMetrics, metricsRegistry } from './metrics';
import { connectNats, ensureEventStream, natsServers } from './nats';
import { OutboxRelay } from './outbox';
import { CommandCommitGuard, IdempotencyStore } from './idempotency';
import { CommandBinding, CommandServer } from './rpc';
import { commandHandlersOf } from './handle-command';

export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
export const READINESS_CHECKS = Symbol('READINESS_CHECKS');
/** The service's schema (inbox, parked events) and database URL (per-database durable names). */
export const SERVICE_DATABASE = Symbol('SERVICE_DATABASE');

/** An extra readiness check (e.g. the object store): resolves when healthy, throws otherwise. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

@Injectable()
export class NatsHealth {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly indicator: HealthIndicatorService,
  ) {}

  async check(key = 'nats') {
    const s = this.indicator.check(key);
    if (this.nc.isClosed()) return s.down('connection closed');
    try {
      await Promise.race([
        this.nc.flush(),
        new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), 1500)),
      ]);
      return s.up();
    } catch (e) {
      return s.down((e as Error).message);
    }
  }
}

/**
 * Liveness, readiness and metrics of any Voxmail app: `health/live` always, `health/ready` when every
 * check of `readinessChecks()` is up (each app's controller names its own), `metrics` for Prometheus.
 */
export abstract class HealthRoutes {
  constructor(protected readonly health: HealthCheckService) {}

  protected abstract readinessChecks(): HealthIndicatorFunction[];

  @Get('health/live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('health/ready')
  @HealthCheck()
  ready() {
    return this.health.check(this.readinessChecks());
  }

  @Get('metrics')
  @Header('Content-Type', metricsRegistry.contentType)
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}

/** A service's: its database, NATS and the extra checks it provides (READINESS_CHECKS). */
@Controller()
export class HealthController extends HealthRoutes {
  constructor(
    health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly nats: NatsHealth,
    private readonly indicator: HealthIndicatorService,
    @Inject(READINESS_CHECKS) private readonly extra: ReadinessCheck[],
  ) {
    super(health);
  }

  protected readinessChecks(): HealthIndicatorFunction[] {
    return [
      () => this.db.pingCheck('database', { timeout: 1500 }),
      () => this.nats.check(),
      ...this.extra.map((c) => async () => {
        const s = this.indicator.check(c.name);
        try {
          await c.check();
          return s.up();
        } catch (e) {
          return s.down((e as Error).message);
        }
      }),
    ];
  }
}

/**
 * Starts the outbox relay, then the service's consumers: the `@HandleEvent` methods of its providers
 * (found here at bootstrap) and any added by hand; stops them before the pool closes.
 */
@Injectable()
export class MessagingLifecycle
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly consumers: EventConsumer[] = [];
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    readonly relay: OutboxRelay,
    private readonly discovery: DiscoveryService,
    private readonly ds: DataSource,
    @Inject(SERVICE_DATABASE) private readonly db: { schema: string; databaseUrl: string },
  ) {}

  async onModuleInit(): Promise<void> {
    await this.relay.start();
  }

  async onApplicationBootstrap(): Promise<void> {
    const instances = this.discovery
      .getProviders()
      .map((w) => w.instance as unknown)
      .filter((i): i is object => typeof i === 'object' && i !== null);
    // started side by side, as they were when each consumer's class started its own at bootstrap
    await Promise.all(
      eventConsumersOf(instances, { nc: this.nc, ds: this.ds, ...this.db }).map((c) => this.addConsumer(c)),
    );
  }

  async addConsumer(c: EventConsumer): Promise<void> {
    await c.start();
    this.consumers.push(c);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop()));
    await this.relay.stop();
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => undefined);
  }
}

export interface ServiceModuleOptions {
  config: ServiceConfig;
  schema: string;
  entities: NonNullable<TypeOrmOptions['entities']>;
  migrations: NonNullable<TypeOrmOptions['migrations']>;
  readinessChecks?: ReadinessCheck[];
}

@Global()
@Module({})
export class ServiceInfraModule {
  /** Imports every service module needs; the service module adds its own controllers and providers. */
  static forService(o: ServiceModuleOptions): DynamicModule {
    return {
      module: ServiceInfraModule,
      imports: [
        LoggerModule.forRoot(appLoggerParams(o.config.serviceName, o.config.logLevel)),
        TypeOrmModule.forRootAsync({
          useFactory: () => ({ type: 'postgres' }),
          dataSourceFactory: async () => {
            const ds = createDataSource({
              url: o.config.databaseUrl,
              schema: o.schema,
              entities: o.entities,
              migrations: o.migrations,
              applicationName: o.config.serviceName,
              connectTimeoutMs: o.config.databaseConnectTimeoutMs,
              subscribers: [CommandCommitGuard],
            });
            await ds.initialize();
            if (o.config.migrationsRun) await runMigrations(ds, o.schema);
            return ds;
          },
        }),
        TerminusModule.forRoot({ logger: false }),
        DiscoveryModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: READINESS_CHECKS, useValue: o.readinessChecks ?? [] },
        { provide: SERVICE_DATABASE, useValue: { schema: o.schema, databaseUrl: o.config.databaseUrl } },
        {
          provide: NATS_CONNECTION,
          useFactory: async () => {
            const nc = await connectNats(o.config.natsUrl, `${o.config.serviceName}-events`);
            await ensureEventStream(await nc.jetstreamManager(), { replicas: o.config.natsStreamReplicas });
            return nc;
          },
        },
        {
          provide: OutboxRelay,
          useFactory: (ds: DataSource, nc: NatsConnection) => new OutboxRelay(ds, o.schema, nc),
          inject: [DataSource, NATS_CONNECTION],
        },
        {
          provide: IdempotencyStore,
          useFactory: (ds: DataSource) => new IdempotencyStore(ds, o.schema),
          inject: [DataSource],
        },
        NatsHealth,
        MessagingLifecycle,
        {
          // the one tenancy check (canReach) for services that ask mailbox-service for account trees
          provide: AccountAccess,
          useFactory: (nc: NatsConnection) => AccountAccess.askingMailbox(nc, o.config.tenancyTimeoutMs),
          inject: [NATS_CONNECTION],
        },
      ],
      exports: [NATS_CONNECTION, OutboxRelay, MessagingLifecycle, AccountAccess],
    };
  }
}

export interface RunningService {
  app: INestApplication;
  url: string;
  close(): Promise<void>;
}

/**
 * Boots a service: HTTP (health, metrics) on its health port and its command handlers on NATS in the
 * service's queue group, so replicas share the load. SIGTERM drains: subscriptions stop, in-flight
 * commands finish within the grace period, then the relay, connections and pool close.
 */
export async function bootstrapService(
  module: Type<unknown> | DynamicModule,
  config: ServiceConfig,
  queue: string,
  opts: { handleSignals?: boolean } = {},
): Promise<RunningService> {
  collectProcessMetrics(config.serviceName);
  const app = await NestFactory.create<NestFastifyApplication>(module, new FastifyAdapter(), {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(PinoLogger));
  app.connectMicroservice<MicroserviceOptions>(
    {
      strategy: new CommandServer({
        servers: natsServers(config.natsUrl),
        queue,
        name: `${config.serviceName}-rpc`,
        drainTimeoutMs: config.shutdownTimeoutMs,
        bindings: () => commandBindings(app),
        keys: () => app.get(IdempotencyStore, { strict: false }),
      }),
    },
    { inheritAppConfig: true },
  );
  if (opts.handleSignals !== false) app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.startAllMicroservices();
  // health and /metrics take no credentials: only on the configured address (loopback by default)
  await app.listen(config.healthPort, config.healthHost);
  const addr = app.getHttpServer().address();
  const port = typeof addr === 'object' && addr ? addr.port : config.healthPort;
  const host = config.healthHost;
  const reach =
    host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return { app, url: `http://${reach}:${port}`, close: () => app.close() };
}

/** How a service is started (by its main.ts, and by the tests with `handleSignals: false`). */
export type ServiceStarter<C extends ServiceConfig> = (
  config: C,
  opts?: { handleSignals?: boolean },
) => Promise<RunningService>;

/** A service's start: its module registered with the configuration, its commands on its queue group. */
export function serviceStarter<C extends ServiceConfig>(
  module: { register(config: C): DynamicModule },
  queue: string,
): ServiceStarter<C> {
  return (config, opts) => bootstrapService(module.register(config), config, queue, opts);
}

/** Every `@HandleCommand` method of the app's controllers, bound to its instance. */
function commandBindings(app: INestApplication): CommandBinding[] {
  const out = new Map<string, CommandBinding>();
  for (const mod of app.get(ModulesContainer).values()) {
    for (const wrapper of mod.controllers.values()) {
      const instance = wrapper.instance as Record<string | symbol, (p: unknown) => unknown> | undefined;
      if (!instance || !wrapper.metatype) continue;
      for (const { def, key } of commandHandlersOf(wrapper.metatype)) {
        if (out.has(def.subject)) throw new Error(`two handlers of ${def.subject}`);
        out.set(def.subject, { def, handle: (p) => instance[key](p) });
      }
    }
  }
  return [...out.values()];
}
