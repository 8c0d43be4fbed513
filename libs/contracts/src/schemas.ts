// JSON schemas of the Kazoo documents mailbox-service owns (accounts, users, api clients).
const str = (min: number, max: number) => ({ type: 'string', minLength: min, maxLength: max });
const hexId = { type: 'string', pattern: '^[0-9a-f]{32}$', minLength: 32, maxLength: 32 };

export const AccountSchema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: str(1, 128),
    realm: { type: 'string', minLength: 4, maxLength: 253, pattern: '^[0-9A-Za-z\\.\\-]+$' },
    timezone: { type: 'string', minLength: 5, maxLength: 32, format: 'iana-timezone' },
    language: str(2, 16),
    enabled: { type: 'boolean', default: true },
    /** Kazoo's reseller flag: its admins create and manage child accounts. Only the operator sets it. */
    is_reseller: { type: 'boolean' },
    notifications: { type: 'object' },
    max_message_count: { type: 'integer', minimum: 1, maximum: 10000 },
    max_message_length: { type: 'integer', minimum: 1, maximum: 86400 },
    /** Issue 21: transcription of the account's voicemail (see AccountTranscription in transcription.ts). */
    transcription: {
      type: 'object',
      properties: {
        enabled: { type: 'boolean' },
        language: { type: 'string', pattern: '^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$', maxLength: 12 },
        engine: { type: 'string', enum: ['pocketsphinx', 'openai'] },
      },
      additionalProperties: false,
    },
  },
} as const;

export const PRIV_LEVELS = ['admin', 'user'] as const;

export const UserSchema = {
  type: 'object',
  required: ['first_name', 'last_name'],
  properties: {
    username: str(1, 256),
    password: str(6, 256),
    first_name: str(1, 128),
    last_name: str(1, 128),
    email: { type: 'string', format: 'email', maxLength: 254 },
    priv_level: { type: 'string', enum: PRIV_LEVELS, default: 'user' },
    enabled: { type: 'boolean', default: true },
    timezone: { type: 'string', minLength: 5, maxLength: 32, format: 'iana-timezone' },
    presence_id: str(1, 128),
  },
} as const;

export const ApiClientSchema = {
  type: 'object',
  required: ['name', 'priv_level'],
  properties: {
    name: str(1, 128),
    priv_level: { type: 'string', enum: PRIV_LEVELS },
    owner_id: hexId,
    /** Also usable as an Onbuka Api-Key (client_id) and ApiSecret (client_secret): its secret is kept sealed. */
    onbuka: { type: 'boolean', default: false },
  },
  additionalProperties: false,
} as const;

export const ApiAuthSchema = {
  type: 'object',
  required: ['api_key'],
  properties: { api_key: str(16, 256) },
} as const;

export const UserAuthSchema = {
  type: 'object',
  required: ['credentials'],
  properties: {
    credentials: { type: 'string', pattern: '^[0-9a-f]{32}$' },
    account_name: str(1, 128),
    account_realm: str(1, 253),
    // Kazoo's cb_user_auth also takes `realm` (the PHP SDK sends it) and `phone_number`
    realm: str(1, 253),
    phone_number: str(1, 64),
  },
} as const;

export const ApiClientAuthSchema = {
  type: 'object',
  required: ['client_id', 'client_secret'],
  properties: { client_id: hexId, client_secret: str(16, 256) },
} as const;
