// Commands of notification-service beyond webhooks: the per-account notification templates.
import { IsIn, IsObject, IsOptional } from 'class-validator';
import { TenantCommand } from './commands';
import { EventTypes } from './events';
import type { JsonObject } from './kazoo';

/** The notification templates an account may override (Kazoo's notification ids). */
export const NOTIFICATION_TEMPLATE_IDS = ['voicemail_to_email'] as const;

export class NotificationTemplateCommand extends TenantCommand {
  @IsIn(NOTIFICATION_TEMPLATE_IDS as unknown as string[]) id: string;
  /** The new template (update only). */
  @IsOptional() @IsObject() doc?: JsonObject;
}

/**
 * The JSON schema of a notification template as notification-service checks it (templates.service.ts:
 * `subject` and `text`, each defaulting to the default template's) and of what it answers.
 */
export const NotificationTemplateSchema = {
  type: 'object',
  properties: {
    subject: { type: 'string', minLength: 1, maxLength: 998 },
    text: { type: 'string', minLength: 1, maxLength: 65536 },
  },
} as const;

export const NotificationTemplateDocSchema = {
  type: 'object',
  required: ['id', 'subject', 'text', 'macros', '_read_only'],
  properties: {
    id: { enum: NOTIFICATION_TEMPLATE_IDS },
    ...NotificationTemplateSchema.properties,
    macros: { type: 'array', items: { type: 'string' } },
    _read_only: closedObject({ default: { type: 'boolean' } }),
  },
  additionalProperties: false,
} as const;

/**
 * The JSON schema of a webhook as notification-service checks it (webhooks/webhook-doc.ts `checkWebhook`:
 * the same bounds; its checks of addresses and header values go further than a schema can say).
 */
export const WebhookSchema = {
  type: 'object',
  required: ['name', 'uri', 'hook'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 128 },
    uri: { type: 'string', format: 'uri', maxLength: 2048, pattern: '^[Hh][Tt][Tt][Pp][Ss]?://' },
    http_verb: { enum: ['post'], default: 'post' },
    hook: {
      enum: ['all', ...Object.values(EventTypes)],
      description: 'an event type of the catalogue (GET /asyncapi.json), or `all`',
    },
    retries: { type: 'integer', minimum: 0, maximum: 4, default: 3 },
    enabled: { type: 'boolean', default: true },
    headers: {
      type: 'object',
      maxProperties: 20,
      propertyNames: { pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$" },
      additionalProperties: { type: 'string', maxLength: 1024 },
    },
  },
} as const;

function closedObject<P extends Record<string, object>>(properties: P) {
  return {
    type: 'object',
    required: Object.keys(properties),
    properties,
    additionalProperties: false,
  } as const;
}
