// Refuses a request of an account over its bounds before anything of it is read (issue 24): a Fastify
// onRequest hook, ahead of body parsing and of Nest's pipeline, knows the caller from its token (verified
// once per token string and kept for its lifetime: a map lookup) or from a key this replica authenticated
// before, and answers 429 with Retry-After in the face's own shape when the account holds all its stream
// slots, all its in-flight requests, or has spent its request rate. A refusal then costs the HTTP parse
// and a lookup, not a parse, a command and a render by the whole pipeline. What passes is counted, as
// before, by the face's guard (RateLimits.admit); this hook only looks, so a caller it cannot tell (an
// invalid token, a key not seen yet) is left to the guard.
import { Injectable } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '@voxmail/contracts';
import { TokenVerifier } from '../auth/token-verifier';
import { JSON_TYPE, prefixFaceOf, rendererOf } from '../common/faces';
import type { GatewayRequest } from '../common/request';
import { isAudioStream, isEventStream, RateLimits } from './rate-limits';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/** The token of a Kazoo request, as its guard reads it, but for the JSON body's (not read yet). */
function kazooToken(req: FastifyRequest): string | undefined {
  const h = str(req.headers['x-auth-token']);
  if (h) return h;
  const auth = str(req.headers.authorization);
  if (auth && /^Bearer /i.test(auth)) return auth.slice(7).trim();
  return str((req.query as { auth_token?: unknown } | undefined)?.auth_token);
}

@Injectable()
export class EarlyAdmission {
  constructor(
    private readonly tokens: TokenVerifier,
    private readonly limits: RateLimits,
  ) {}

  /** The caller of `req` when this replica can tell it without reading the body; `verified` by a token. */
  async callerOf(req: FastifyRequest): Promise<{ actor: Actor; verified: boolean } | undefined> {
    const face = prefixFaceOf(req.url);
    let actor: Actor | undefined;
    if (face === 'kazoo') {
      const token = kazooToken(req);
      actor = token ? await this.tokens.peek(token, 'kazoo') : undefined;
    } else if (face === 'yeastar') {
      const token = str((req.query as { access_token?: unknown } | undefined)?.access_token);
      actor = token ? await this.tokens.peek(token, 'yeastar_access') : undefined;
    }
    if (actor) return { actor, verified: true };
    actor = this.limits.knownCaller(req);
    return actor ? { actor, verified: false } : undefined;
  }

  /** Adds the hook; `cors` gives the headers a browser needs to read the refusal (the CORS hook runs later). */
  register(fastify: FastifyInstance, cors: (origin: string | undefined) => Record<string, string>): void {
    fastify.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      const caller = await this.callerOf(req);
      if (!caller) return;
      const refusal = await this.limits.refusalOf(caller.actor, req);
      if (!refusal) {
        // only a verified caller holds an in-flight slot: a key alone (its Sign unchecked yet) holds none
        if (caller.verified && !isEventStream(req))
          reply.raw.once('close', this.limits.enter(caller.actor.accountId, isAudioStream(req)));
        return;
      }
      const face = rendererOf(req.url);
      // the Kazoo envelope echoes the request's token, which no guard has attached yet
      const r = req as GatewayRequest;
      if (face.name === 'kazoo') r.authToken ??= kazooToken(req);
      // rendered as the face's own routes answer it (Yeastar: 429, not its usual 200)
      const { status, body, headers: own } = face.renderError(refusal, r, true);
      const headers: Record<string, string> = {
        ...cors(req.headers.origin),
        ...own,
        'Content-Type': JSON_TYPE,
        'Retry-After': String(refusal.details?.retry_after_s ?? 1),
      };
      // a body is not read: the connection closes after the answer rather than wait for it
      if (
        req.headers['content-length'] !== '0' &&
        (req.headers['content-length'] || req.headers['transfer-encoding'])
      )
        headers.Connection = 'close';
      return reply.code(status).headers(headers).send(body);
    });
  }
}
