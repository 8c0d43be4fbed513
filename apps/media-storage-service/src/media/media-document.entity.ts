import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { MediaDocumentKind } from '@voxmail/contracts';

/** A greeting or prompt of an account (Kazoo's media document); its audio is one object, or none yet. */
@Entity({ schema: 'media', name: 'documents' })
export class MediaDocumentEntity {
  @PrimaryColumn({ type: 'char', length: 32 }) id: string;
  @Column({ name: 'tenant_id', type: 'char', length: 32 }) tenantId: string;
  @Column({ type: 'text' }) kind: MediaDocumentKind;
  @Column({ type: 'text' }) name: string;
  @Column({ type: 'text', nullable: true }) description: string | null;
  /** A box's file greeting (Yeastar): names are unique per box. */
  @Column({ name: 'vmbox_id', type: 'char', length: 32, nullable: true }) vmboxId: string | null;
  /** The box a greeting was made for by the Kazoo greetings route: that box's owner may replace its audio. */
  @Column({ name: 'greeting_of', type: 'char', length: 32, nullable: true }) greetingOf: string | null;
  @Column({ name: 'object_id', type: 'char', length: 32, nullable: true }) objectId: string | null;
  @Column({ name: 'uploaded_at', type: 'timestamptz', nullable: true }) uploadedAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }) updatedAt: Date;
}
