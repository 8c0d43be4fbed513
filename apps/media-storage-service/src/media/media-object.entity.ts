import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { AudioFormat, MediaKind } from '@voxmail/contracts';

const bigint = { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) };

/** One object in the store: an upload in progress (`pending`) or verified audio (`stored`). */
@Entity({ schema: 'media', name: 'objects' })
export class MediaObjectEntity {
  @PrimaryColumn({ type: 'char', length: 32 }) id: string;
  @Column({ name: 'tenant_id', type: 'char', length: 32 }) tenantId: string;
  @Column({ type: 'text' }) kind: MediaKind;
  /** `<tenantId>/<kind>/<id>` */
  @Column({ type: 'text' }) key: string;
  /** The domain object the audio belongs to (a message id). */
  @Column({ name: 'owner_id', type: 'text' }) ownerId: string;
  @Column({ type: 'text' }) status: 'pending' | 'stored';
  /** Set when the owner's event confirms it holds the object; unclaimed message objects are swept. */
  @Column({ type: 'boolean', default: false }) claimed: boolean;
  @Column({ name: 'max_bytes', type: 'bigint', transformer: bigint }) maxBytes: number;
  @Column({ name: 'content_type', type: 'text', nullable: true }) contentType: string | null;
  @Column({ type: 'text', nullable: true }) format: AudioFormat | null;
  @Column({ type: 'bigint', nullable: true, transformer: bigint }) size: number | null;
  @Column({ type: 'text', nullable: true }) sha256: string | null;
  @Column({ name: 'duration_ms', type: 'integer', nullable: true }) durationMs: number | null;
  /** A transcoded rendition points at its original and goes with it. */
  @Column({ name: 'derived_from', type: 'char', length: 32, nullable: true }) derivedFrom: string | null;
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true }) expiresAt: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' }) createdAt: Date;
  @Column({ name: 'stored_at', type: 'timestamptz', nullable: true }) storedAt: Date | null;
}
