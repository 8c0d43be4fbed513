// Token revocation, in one place: every "these tokens stop working for good" goes through here.
// A revocation is a recorded fact (mailbox.token_revocations: scope, subject, revoked_before) that
// verification checks, plus an `auth.tokens_revoked` event through the outbox, so a gateway that one day
// verifies signed tokens locally can hold the same list. The token rows are deleted too (housekeeping).
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventTypes } from '@voxmail/contracts';
import { appendEvents } from '@voxmail/messaging';
import { MAILBOX_SCHEMA } from '../tokens';

/**
 * What a revocation covers: every token of an account, only the tokens its API key issued, or the
 * tokens of one user or API client.
 */
export type RevocationScope = 'account' | 'api_key' | 'user' | 'api_client';

export type RevocationReason =
  | 'account_disabled'
  | 'account_deleted'
  | 'api_key_rotated'
  | 'user_disabled'
  | 'user_deleted'
  | 'api_client_deleted';

/**
 * SQL condition (on `mailbox.auth_tokens t`) that is true unless a revocation voids the token. Kept here,
 * beside the writer, so the rule has one home. Written as a row-value IN list so that each branch is a
 * primary-key lookup (BitmapOr) on every verification, however many revocations pile up.
 */
export const TOKEN_NOT_REVOKED = `NOT EXISTS (
  SELECT 1 FROM mailbox.token_revocations r
   WHERE (r.scope, r.subject_id) IN (('account', t.account_id), ('api_key', t.account_id),
                                     ('user', t.user_id), ('api_client', t.client_id))
     AND (r.scope <> 'api_key' OR t.source = 'api_key')
     AND t.created_at <= r.revoked_before)`;

@Injectable()
export class Revocations {
  /**
   * Voids every token of the subject issued until now, inside the caller's transaction (so the change
   * that caused it and the revocation commit together).
   */
  async revoke(
    m: EntityManager,
    scope: RevocationScope,
    accountId: string,
    subjectId: string,
    reason: RevocationReason,
  ): Promise<void> {
    const [row]: { revoked_before: Date }[] = await m.query(
      `INSERT INTO mailbox.token_revocations (scope, subject_id, account_id, revoked_before, reason)
       VALUES ($1, $2, $3, now(), $4)
       ON CONFLICT (scope, subject_id) DO UPDATE SET revoked_before = now(), reason = $4
       RETURNING revoked_before`,
      [scope, subjectId, accountId, reason],
    );
    const column = { account: 'account_id', api_key: 'account_id', user: 'user_id', api_client: 'client_id' }[
      scope
    ];
    await m.query(
      `DELETE FROM mailbox.auth_tokens WHERE ${column} = $1${scope === 'api_key' ? ` AND source = 'api_key'` : ''}`,
      [subjectId],
    );
    await appendEvents(m, MAILBOX_SCHEMA, [
      {
        type: EventTypes.TokensRevoked,
        tenantId: accountId,
        aggregateId: subjectId,
        data: {
          id: subjectId,
          scope,
          account_id: accountId,
          revoked_before: new Date(row.revoked_before).toISOString(),
          reason,
        },
      },
    ]);
  }
}
