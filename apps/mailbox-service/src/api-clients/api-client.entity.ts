import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Role } from '@voxmail/contracts';

@Entity({ schema: 'mailbox', name: 'api_clients' })
export class ApiClientEntity {
  @PrimaryColumn({ type: 'char', length: 32 }) id: string;
  @Column({ name: 'account_id', type: 'char', length: 32 }) accountId: string;
  @Column({ type: 'text' }) name: string;
  @Column({ name: 'priv_level', type: 'text' }) privLevel: Exclude<Role, 'operator'>;
  @Column({ name: 'owner_id', type: 'char', length: 32, nullable: true }) ownerId: string | null;
  /** HMAC-SHA256 of the random secret (high entropy, so a keyed fast hash is the right tool). */
  @Column({ name: 'secret_hash', type: 'text' }) secretHash: string;
  /** The secret itself, sealed, for clients that also sign Onbuka requests (md5 needs it); else null. */
  @Column({ name: 'onbuka_secret_sealed', type: 'text', nullable: true }) onbukaSecretSealed: string | null;
  @Column({ type: 'bigint', insert: false, update: false }) seq: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
}
