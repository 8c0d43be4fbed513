// broadcast-dialer-service settings beyond the common ones: declared and validated in libs/config
// (DialerConfig, loaded once at start), injected here under DIALER_SETTINGS.
export type { Clock, DialerConfig, DialerSettings } from '@voxmail/config';

export const DIALER_SETTINGS = Symbol('DIALER_SETTINGS');
