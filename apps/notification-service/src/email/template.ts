// The voicemail-to-e-mail template: `{{macro}}` placeholders in a subject and a text body, one per account
// with the platform's default. Values are plain text; the subject is kept on one line (no header injection).
export const VOICEMAIL_TO_EMAIL = 'voicemail_to_email';

export interface EmailTemplate {
  subject: string;
  text: string;
}

export const DEFAULT_TEMPLATE: EmailTemplate = {
  subject: 'New voicemail from {{caller_id_name}} ({{caller_id_number}})',
  text: [
    'You have a new voicemail in {{vmbox_name}} ({{mailbox}}).',
    '',
    'From: {{caller_id_name}} <{{caller_id_number}}>',
    'Received: {{date}}',
    'Length: {{duration}}',
    '{{transcription}}',
  ].join('\n'),
};

export const MACROS = [
  'caller_id_name',
  'caller_id_number',
  'date',
  'duration',
  'vmbox_name',
  'mailbox',
  'transcription',
  'message_id',
] as const;

export type Macro = (typeof MACROS)[number];

export function render(template: string, values: Record<Macro, string>): string {
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (whole, name: string) =>
    (MACROS as readonly string[]).includes(name) ? values[name as Macro] : whole,
  );
}

export function oneLine(s: string): string {
  return s
    .replace(/[\r\n\t]+/g, ' ')
    .trim()
    .slice(0, 998);
}

/** `m:ss` from milliseconds. */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** The time in the box's time zone (IANA), falling back to UTC for an unknown zone. */
export function localTime(at: Date, timeZone: string | null | undefined): string {
  const fmt = (tz: string) =>
    new Intl.DateTimeFormat('en-GB', {
      timeZone: tz,
      dateStyle: 'full',
      timeStyle: 'long',
    }).format(at);
  try {
    return fmt(timeZone || 'UTC');
  } catch {
    return fmt('UTC');
  }
}
