import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Role } from '@voxmail/contracts';

/**
 * No longer written: tokens are signed and self-describing (token-signer.ts), revoked through
 * `mailbox.revocations`. Kept until parallel branches that still delete from the table are merged.
 */
@Entity({ schema: 'mailbox', name: 'auth_tokens' })
export class AuthTokenEntity {
  /** SHA-256 of the bearer token; the token is only ever in the client's hands. */
  @PrimaryColumn({ name: 'token_hash', type: 'text' }) tokenHash: string;
  @Column({ name: 'account_id', type: 'char', length: 32 }) accountId: string;
  @Column({ name: 'user_id', type: 'char', length: 32, nullable: true }) userId: string | null;
  @Column({ name: 'client_id', type: 'char', length: 32, nullable: true }) clientId: string | null;
  @Column({ type: 'text' }) role: Role;
  @Column({ type: 'text' }) source: 'api_key' | 'user' | 'api_client';
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
