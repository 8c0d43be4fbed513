// What Kazoo 4.3 documents, written down once for the tests and benchmarks that check Voxmail against it
// (kept apart from libs/contracts' schema on purpose: a test comparing the schema with itself could not fail).

/** Kazoo's vmbox schema defaults: what a box created with only name and mailbox must show in `doc`. */
export const KAZOO_VMBOX_DEFAULTS = {
  announcement_only: false,
  check_if_owner: true,
  delete_after_notify: false,
  include_message_on_notify: true,
  include_transcription_on_notify: true,
  is_setup: false,
  is_voicemail_ff_rw_enabled: false,
  media: {},
  media_extension: 'mp3',
  not_configurable: false,
  notify_email_addresses: [],
  oldest_message_first: false,
  require_pin: false,
  save_after_notify: false,
  seek_duration_ms: 10000,
  skip_envelope: false,
  skip_greeting: false,
  skip_instructions: false,
  transcribe: false,
} as const;
