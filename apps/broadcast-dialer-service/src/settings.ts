// broadcast-dialer-service settings beyond the common ones: declared and validated in libs/config.
export { loadDialerSettings } from '@voxmail/config';
export type { Clock, DialerSettings } from '@voxmail/config';

export const DIALER_SETTINGS = Symbol('DIALER_SETTINGS');
