// Signs self-describing auth tokens that every gateway verifies without asking this service.
import { Inject, Injectable } from '@nestjs/common';
import type { MailboxConfig } from '@voxmail/config';
import { AuthTokenClaims, signAuthToken, TokenPurpose, verifyAuthToken } from '@voxmail/contracts';
import { MAILBOX_CONFIG } from '../tokens';

@Injectable()
export class TokenSigner {
  constructor(@Inject(MAILBOX_CONFIG) private readonly config: MailboxConfig) {}

  /**
   * A token for one purpose, living the platform's lifetime or, when asked (a face's own, as Yeastar's
   * access token), a shorter one: its `exp` says so, so it keeps that lifetime wherever it is checked.
   */
  sign(claims: Omit<AuthTokenClaims, 'iatMs' | 'exp' | 'jti'>, ttlSeconds?: number) {
    const ttl = Math.min(ttlSeconds ?? this.config.tokenTtlSeconds, this.config.tokenTtlSeconds);
    return signAuthToken(claims, ttl, this.config.tokenKeys);
  }

  verify(token: string, purpose: TokenPurpose = 'kazoo'): Promise<AuthTokenClaims> {
    return verifyAuthToken(token, this.config.tokenKeys, purpose);
  }
}
