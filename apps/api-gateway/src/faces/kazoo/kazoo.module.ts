// The Kazoo 4.3 crossbar face under /v2: one controller per resource, each marked @KazooController
// (its token guard, error envelope and success envelope at controller scope).
import { Module } from '@nestjs/common';
import { AccountsController } from './accounts.controller';
import { ApiClientsController } from './api-clients.controller';
import { KazooAuthGuard } from './auth.guard';
import { AuthController } from './auth.controller';
import {
  BroadcastAppsController,
  BroadcastsController,
  DncNumbersController,
  OnbukaKeysController,
} from './broadcasts.controller';
import { EventsController } from './events.controller';
import { TokenAuthController } from './token-auth.controller';
import { GreetingsController } from './greetings.controller';
import { MediaController, MediaRawController } from './media.controller';
import { MessagesRawController } from './messages-raw.controller';
import { MessagesController } from './messages.controller';
import { MessageSearchController } from './message-search.controller';
import { NotificationsController } from './notifications.controller';
import { VmboxMwiController } from './vmbox-mwi.controller';
import { WebhooksController } from './webhooks.controller';
import { UsersController } from './users.controller';
import { VmboxesController } from './vmboxes.controller';

@Module({
  controllers: [
    AuthController,
    TokenAuthController,
    AccountsController,
    UsersController,
    ApiClientsController,
    VmboxesController,
    MessagesController,
    MessageSearchController,
    MessagesRawController,
    MediaController,
    MediaRawController,
    GreetingsController,
    WebhooksController,
    VmboxMwiController,
    NotificationsController,
    BroadcastAppsController,
    BroadcastsController,
    DncNumbersController,
    OnbukaKeysController,
    EventsController,
  ],
  providers: [KazooAuthGuard],
})
export class KazooModule {}
