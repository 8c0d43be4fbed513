import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { JsonObject } from '@voxmail/contracts';

@Entity({ schema: 'mailbox', name: 'accounts' })
export class AccountEntity {
  @PrimaryColumn({ type: 'char', length: 32 }) id: string;
  @Column({ name: 'parent_id', type: 'char', length: 32, nullable: true }) parentId: string | null;
  /** Ancestors, root (the operator) first; see migrations/1764000000002-tenancy. */
  @Column({ type: 'text', array: true, default: () => "'{}'" }) tree: string[];
  @Column({ name: 'is_operator', type: 'boolean', default: false }) isOperator: boolean;
  @Index() @Column({ name: 'name_lower', type: 'text' }) nameLower: string;
  @Column({ type: 'jsonb' }) doc: JsonObject;
  @Column({ type: 'integer' }) version: number;
  @Column({ type: 'bigint', insert: false, update: false }) seq: string;
  /** HMAC of the API key, for lookup; the key itself is kept only encrypted. */
  @Column({ name: 'api_key_hash', type: 'text' }) apiKeyHash: string;
  @Column({ name: 'api_key_enc', type: 'text' }) apiKeyEnc: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true }) deletedAt: Date | null;
}
