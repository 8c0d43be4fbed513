// Commands of notification-service beyond webhooks: the per-account notification templates.
import { IsIn, IsObject, IsOptional } from 'class-validator';
import { TenantCommand } from './commands';
import type { JsonObject } from './kazoo';

/** The notification templates an account may override (Kazoo's notification ids). */
export const NOTIFICATION_TEMPLATE_IDS = ['voicemail_to_email'] as const;

export class NotificationTemplateCommand extends TenantCommand {
  @IsIn(NOTIFICATION_TEMPLATE_IDS) id: string;
  /** The new template (update only). */
  @IsOptional() @IsObject() doc?: JsonObject;
}
