// SDP of the SIP carrier (RFC 4566 through sdp-transform): the offer (G.711 PCMU and PCMA at 8 kHz,
// ptime 20) and what the answer says: where to send RTP
// and in which codec.
import { randomInt } from 'node:crypto';
import { parse, write } from 'sdp-transform';
import { G711, PAYLOAD_TYPE } from './rtp';

export function sdpOffer(address: string, rtpPort: number): string {
  const id = randomInt(1, 2 ** 31);
  const ip = address.includes(':') ? 6 : 4;
  return write({
    version: 0,
    origin: {
      username: 'voxmail',
      sessionId: id,
      sessionVersion: 1,
      netType: 'IN',
      ipVer: ip,
      address,
    },
    name: 'voxmail broadcast',
    connection: { version: ip, ip: address },
    timing: { start: 0, stop: 0 },
    media: [
      {
        type: 'audio',
        port: rtpPort,
        protocol: 'RTP/AVP',
        payloads: '0 8',
        rtp: [
          { payload: 0, codec: 'PCMU', rate: 8000 },
          { payload: 8, codec: 'PCMA', rate: 8000 },
        ],
        fmtp: [],
        ptime: 20,
        direction: 'sendrecv',
      },
    ],
  });
}

export interface SdpAnswer {
  host: string;
  port: number;
  codec: G711;
}

/** The remote RTP address and the first offered codec the answer accepts; throws when there is none. */
export function parseSdpAnswer(sdp: string): SdpAnswer {
  const s = parse(sdp);
  const audio = s.media.find((m) => m.type === 'audio' && m.port > 0);
  if (!audio) throw new Error('the SDP answer has no audio stream');
  const host = audio.connection?.ip ?? s.connection?.ip;
  if (!host) throw new Error('the SDP answer has no connection address');
  const payloads = String(audio.payloads ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map(Number);
  const named = new Map<number, string>();
  for (const r of audio.rtp ?? []) named.set(r.payload, r.codec.toUpperCase());
  for (const pt of payloads) {
    const name = named.get(pt) ?? (pt === 0 ? 'PCMU' : pt === 8 ? 'PCMA' : undefined);
    if ((name === 'PCMU' || name === 'PCMA') && PAYLOAD_TYPE[name] === pt)
      return { host, port: audio.port, codec: name };
  }
  throw new Error('the SDP answer accepts neither PCMU nor PCMA');
}
