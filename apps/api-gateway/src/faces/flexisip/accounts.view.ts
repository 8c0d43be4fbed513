// The account manager's account object (Laravel's Account model with its call forwardings), as its
// `search` answers it: Flexisip's VoicemailServer reads `id` (an integer), `sip_uri` and `call_forwardings`.
import type { SipAccount } from '@voxmail/contracts';
import { laravelTime } from './voicemails.view';

export function accountView(a: SipAccount) {
  return {
    id: a.sip_id,
    username: a.username,
    domain: a.domain,
    display_name: a.display_name,
    email: a.email,
    activated: a.enabled,
    admin: a.admin,
    blocked: false,
    sip_uri: `sip:${a.username}@${a.domain}`,
    // Voxmail forwards no calls: every unanswered call is for the voicemail the server records
    call_forwardings: [],
    created_at: laravelTime(a.created_at),
    updated_at: laravelTime(a.updated_at),
  };
}

/** accountView as a JSON schema (OpenAPI). */
export const ACCOUNT_VIEW = {
  type: 'object',
  required: ['id', 'username', 'domain', 'sip_uri', 'call_forwardings'],
  properties: {
    id: { type: 'integer' },
    username: { type: 'string' },
    domain: { type: 'string' },
    display_name: { type: ['string', 'null'] },
    email: { type: ['string', 'null'] },
    activated: { type: 'boolean' },
    admin: { type: 'boolean' },
    blocked: { const: false },
    sip_uri: { type: 'string', pattern: '^sip:' },
    call_forwardings: { type: 'array', maxItems: 0 },
    created_at: { type: ['string', 'null'] },
    updated_at: { type: ['string', 'null'] },
  },
  additionalProperties: false,
};
