// Signs self-describing auth tokens that every gateway verifies without asking this service.
import { Inject, Injectable } from '@nestjs/common';
import type { MailboxConfig } from '@voxmail/config';
import { AuthTokenClaims, signAuthToken, verifyAuthToken } from '@voxmail/contracts';
import { MAILBOX_CONFIG } from '../tokens';

@Injectable()
export class TokenSigner {
  constructor(@Inject(MAILBOX_CONFIG) private readonly config: MailboxConfig) {}

  sign(claims: Omit<AuthTokenClaims, 'iatMs' | 'exp'>) {
    return signAuthToken(claims, this.config.tokenTtlSeconds, this.config.tokenKeys);
  }

  verify(token: string): Promise<AuthTokenClaims> {
    return verifyAuthToken(token, this.config.tokenKeys);
  }
}
