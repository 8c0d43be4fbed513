import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { JsonObject } from '@voxmail/contracts';

export type VmboxType = 'personal' | 'group';

/** A voicemail box: the Kazoo document without its PIN, plus the columns queries and rules need. */
@Entity({ schema: 'mailbox', name: 'vmboxes' })
export class VmboxEntity {
  @PrimaryColumn({ type: 'char', length: 32 }) id: string;
  @Column({ name: 'account_id', type: 'char', length: 32 }) accountId: string;
  @Column({ type: 'text' }) mailbox: string;
  @Column({ name: 'owner_id', type: 'char', length: 32, nullable: true }) ownerId: string | null;
  @Column({ type: 'text' }) type: VmboxType;
  @Column({ type: 'text', array: true }) members: string[];
  @Column({ type: 'jsonb' }) doc: JsonObject;
  /** argon2id of the PIN; the PIN itself is never stored, returned, logged or put in an event. */
  @Column({ name: 'pin_hash', type: 'text', nullable: true }) pinHash: string | null;
  @Column({ name: 'pin_failures', type: 'integer' }) pinFailures: number;
  @Column({ name: 'locked_until', type: 'timestamptz', nullable: true }) lockedUntil: Date | null;
  @Column({ type: 'integer' }) version: number;
  @Column({ type: 'bigint', insert: false, update: false }) seq: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
