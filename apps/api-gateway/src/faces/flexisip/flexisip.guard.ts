// Authenticates the account manager face by `x-api-key` (an API client secret) and decides which user
// of the account `{id|me}` names: an admin client any user, a user client only itself. `{id}` is the
// user's id (32 hex characters) or its integer id as a SIP account (what `search` answers as `id`).
import { Injectable } from '@nestjs/common';
import { Actor, Commands, DomainError, ErrorCode, HEX_ID, MAX_SIP_ID } from '@voxmail/contracts';
import { FaceGuard } from '../../common/face-guard';
import type { GatewayRequest } from '../../common/request';
import { FlexisipContext } from './flexisip.context';

export type FlexisipRequest = GatewayRequest & { flexisipUserId?: string };

const SIP_ID = /^[1-9]\d{0,9}$/;

const forbidden = () => new DomainError(ErrorCode.Forbidden, 'This action is unauthorized.');

/**
 * The user `{id|me}` names for `actor`: its user id, or the integer SIP account id still to be looked up.
 * A user client naming another user id is 403.
 */
export function targetUser(actor: Actor, id: string): string | number {
  if (id === 'me') {
    if (!actor.userId) throw DomainError.notFound('This API client is not bound to an account.');
    return actor.userId;
  }
  if (SIP_ID.test(id) && Number(id) <= MAX_SIP_ID) return Number(id);
  if (!HEX_ID.test(id)) throw DomainError.notFound('Account not found.');
  if (actor.role === 'user' && id !== actor.userId) throw forbidden();
  return id;
}

/**
 * The face's credential: the API client whose secret is the `x-api-key` header (missing or unknown is 401),
 * admitted by the account's and the credential's request rate. (Decorated so that its subclasses, which
 * have no constructor of their own, inherit its constructor's parameter types.)
 */
@Injectable()
abstract class FlexisipKeyGuard extends FaceGuard {
  constructor(protected readonly ctx: FlexisipContext) {
    super();
  }

  protected authenticate(req: GatewayRequest): Promise<Actor> {
    const key = req.headers['x-api-key'];
    if (typeof key !== 'string' || !key || key.length > 256)
      throw new DomainError(ErrorCode.Unauthenticated, 'Unauthenticated.');
    return this.inRequest(req, () =>
      this.ctx.bus.send(Commands.AuthApiClientSecret, { secret: key, clientKey: req.ip || 'unknown' }),
    );
  }
}

/** Routes of one user's voicemails: `/api/accounts/{id|me}/...`. */
@Injectable()
export class FlexisipGuard extends FlexisipKeyGuard {
  protected override async authorize(actor: Actor, req: FlexisipRequest): Promise<void> {
    const target = targetUser(actor, (req.params as { accountId?: string }).accountId ?? '');
    if (typeof target === 'string') req.flexisipUserId = target;
    else {
      const found = await this.inRequest(req, () =>
        this.ctx.bus.send(Commands.UserFindSipAccount, { tenantId: actor.accountId, actor, sipId: target }),
      );
      req.flexisipUserId = found.user_id;
    }
  }
}

/**
 * Routes the account manager keeps to admins (`search`, `files/{uuid}`): a user client is 403. Its
 * `admit` serves the files route when its query is not signed.
 */
@Injectable()
export class FlexisipAdminGuard extends FlexisipKeyGuard {
  protected override authorize(actor: Actor): void {
    if (actor.role === 'user') throw forbidden();
  }
}
