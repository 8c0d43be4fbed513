// What the authoritative token check reads in one query: revocations of the token's principals, and
// whether its account, user or API client (and the client's owner) are still there and enabled (mailbox.revocations, accounts,
// users, api_clients).
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Role } from '@voxmail/contracts';

export interface TokenStanding {
  revoked: boolean;
  account_ok: boolean;
  priv_level: Role | null;
  client_ok: boolean;
}

@Injectable()
export class TokenStandingRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async standing(q: {
    accountId: string;
    refusingKeys: string[];
    issuedAtMs: number;
    userId: string | null;
    clientId: string | null;
  }): Promise<TokenStanding | undefined> {
    const rows: TokenStanding[] = await this.ds.query(
      `SELECT EXISTS (SELECT 1 FROM mailbox.revocations r WHERE r.key = ANY($2) AND r.before_ms >= $3) AS revoked,
              a.id IS NOT NULL AS account_ok, u.priv_level,
              EXISTS (SELECT 1 FROM mailbox.api_clients k
                        LEFT JOIN mailbox.users o ON o.id = k.owner_id AND o.account_id = k.account_id
                       WHERE k.id = $5 AND k.account_id = $1
                         AND (k.owner_id IS NULL
                              OR (o.id IS NOT NULL AND o.doc->'enabled' IS DISTINCT FROM 'false'::jsonb))
                     ) AS client_ok
         FROM (SELECT 1) one
         LEFT JOIN mailbox.accounts a ON a.id = $1 AND a.deleted_at IS NULL
              AND (a.is_operator OR a.doc->'enabled' IS DISTINCT FROM 'false'::jsonb)
         LEFT JOIN mailbox.users u ON u.id = $4 AND u.account_id = $1
              AND u.doc->'enabled' IS DISTINCT FROM 'false'::jsonb`,
      [q.accountId, q.refusingKeys, q.issuedAtMs, q.userId, q.clientId],
    );
    return rows[0];
  }
}
