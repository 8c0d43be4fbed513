// The sip carrier as the dialer module builds it from the environment.
import { Logger } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import { ConfigError, envNumber } from '@voxmail/config';
import { MediaPromptAudio } from './prompt-audio';
import { SipCarrier } from './sip.carrier';

export { SipCarrier } from './sip.carrier';
export type { SipCarrierOptions } from './sip.carrier';
export { MediaPromptAudio, transcodeToG711 } from './prompt-audio';
export type { PromptAudio } from './prompt-audio';

/**
 * DIALER_SIP_ADDRESS: the address the user agent listens on and announces in Via, Contact and SDP
 * (default 127.0.0.1: set it to an address the trunk reaches). DIALER_SIP_PORT: its UDP port (default 0,
 * a free one). FFMPEG_PATH: the ffmpeg that transcodes prompts (default `ffmpeg` on PATH).
 */
export function sipCarrierFromEnv(
  nc: NatsConnection,
  env: Record<string, string | undefined> = process.env,
): SipCarrier {
  const address = env.DIALER_SIP_ADDRESS || '127.0.0.1';
  if (!/^[0-9.]+$|:/.test(address)) throw new ConfigError('DIALER_SIP_ADDRESS must be an IP address');
  const log = new Logger('SipCarrier');
  return new SipCarrier({
    address,
    port: envNumber(env, 'DIALER_SIP_PORT', 0, 0, 65535),
    prompts: new MediaPromptAudio(nc, env.FFMPEG_PATH || 'ffmpeg'),
    log: (line) => log.warn(line),
  });
}
