import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { SlotContentType } from '@voxmail/contracts';

/** A voicemail slot: reserved by a SIP voicemail server, filled once with audio that becomes a message. */
@Entity({ schema: 'message', name: 'voicemail_slots' })
export class VoicemailSlotEntity {
  @PrimaryColumn({ name: 'tenant_id', type: 'char', length: 32 }) tenantId: string;
  @PrimaryColumn({ type: 'uuid' }) id: string;
  @Column({ name: 'user_id', type: 'char', length: 32 }) userId: string;
  @Column({ name: 'vmbox_id', type: 'char', length: 32 }) vmboxId: string;
  @Column({ name: 'sip_from', type: 'text', nullable: true }) sipFrom: string | null;
  @Column({ name: 'content_type', type: 'text' }) contentType: SlotContentType;
  @Column({ name: 'max_bytes', type: 'integer' }) maxBytes: number;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt: Date;
  @Column({ name: 'upload_id', type: 'text', nullable: true }) uploadId: string | null;
  @Column({ name: 'uploaded_at', type: 'timestamptz', nullable: true }) uploadedAt: Date | null;
  @Column({ name: 'file_size', type: 'integer', nullable: true }) fileSize: number | null;
  @Column({ name: 'file_name', type: 'text', nullable: true }) fileName: string | null;
  @Column({ name: 'message_id', type: 'text', nullable: true }) messageId: string | null;
}
