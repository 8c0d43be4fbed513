// The sip carrier as the dialer module builds it from the dialer's settings.
import { Logger } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import type { DialerSettings } from '@voxmail/config';
import { MediaPromptAudio } from './prompt-audio';
import { SipCarrier } from './sip.carrier';

export { SipCarrier } from './sip.carrier';
export type { SipCarrierOptions } from './sip.carrier';
export { MediaPromptAudio, transcodeToG711 } from './prompt-audio';
export type { PromptAudio } from './prompt-audio';

/** The sip carrier on the address and port of DialerSettings.sip (DIALER_SIP_ADDRESS, DIALER_SIP_PORT, FFMPEG_PATH). */
export function sipCarrier(
  nc: NatsConnection,
  sip: DialerSettings['sip'],
  commandTimeoutMs: number,
): SipCarrier {
  const log = new Logger('SipCarrier');
  return new SipCarrier({
    address: sip.address,
    port: sip.port,
    prompts: new MediaPromptAudio(nc, sip.ffmpegPath, commandTimeoutMs),
    allowedNetworks: sip.allowedTrunkNetworks,
    log: (line) => log.warn(line),
  });
}
