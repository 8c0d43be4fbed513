import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { JsonObject, Role } from '@voxmail/contracts';

@Entity({ schema: 'mailbox', name: 'users' })
export class UserEntity {
  @PrimaryColumn({ type: 'char', length: 32 }) id: string;
  @Column({ name: 'account_id', type: 'char', length: 32 }) accountId: string;
  @Column({ name: 'username_lower', type: 'text', nullable: true }) usernameLower: string | null;
  @Column({ name: 'priv_level', type: 'text' }) privLevel: Exclude<Role, 'operator'>;
  /** argon2id of Kazoo's md5("username:password") credentials; the password itself is never kept. */
  @Column({ name: 'credentials_hash', type: 'text', nullable: true }) credentialsHash: string | null;
  /** Keyed hash of the credentials, only to find the user; the argon2id hash above is what proves them. */
  @Column({ name: 'credentials_lookup', type: 'text', nullable: true }) credentialsLookup: string | null;
  @Column({ type: 'jsonb' }) doc: JsonObject;
  @Column({ type: 'integer' }) version: number;
  @Column({ type: 'bigint', insert: false, update: false }) seq: string;
  /** The user's integer id as a SIP account, per account (assigned by the database on insert). */
  @Column({ name: 'sip_id', type: 'integer', insert: false, update: false }) sipId: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
