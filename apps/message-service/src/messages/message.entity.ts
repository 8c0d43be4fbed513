import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { JsonObject, MessageFolder, StoredMedia } from '@voxmail/contracts';

/** One voicemail message: its Kazoo metadata document and a reference to its audio object. */
@Entity({ schema: 'message', name: 'messages' })
export class MessageEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'char', length: 32 }) tenantId: string;
  @PrimaryColumn({ type: 'text' }) id: string;
  @Column({ name: 'vmbox_id', type: 'char', length: 32 }) vmboxId: string;
  @Column({ type: 'text' }) folder: MessageFolder;
  /** Gregorian seconds of the message (client-given on import); the list order. */
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string) => Number(v) } })
  ts: number;
  @Column({ type: 'jsonb' }) doc: JsonObject;
  @Column({ type: 'jsonb', nullable: true }) media: StoredMedia | null;
  @Column({ type: 'integer' }) version: number;
  @Column({ name: 'purge_at', type: 'timestamptz', nullable: true }) purgeAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
