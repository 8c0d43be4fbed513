// The revision rule of mailbox-service's Kazoo documents (accounts, users, boxes): `If-Match` and PATCH/PUT.
import {
  DomainError,
  ErrorCode,
  JsonObject,
  mergePatch,
  revisionOf,
  UpdateDocCommand,
} from '@voxmail/contracts';

export function checkRevision(id: string, version: number, ifRevision?: string): void {
  // `If-Match: *` matches any current revision (RFC 9110)
  if (ifRevision && ifRevision !== '*' && ifRevision !== revisionOf(id, version)) {
    throw new DomainError(ErrorCode.RevisionConflict, 'the document was changed since you read it', {
      revision: {
        conflict: {
          message: 'If-Match does not match the current revision',
          current: revisionOf(id, version),
        },
      },
    });
  }
}

/**
 * The document an update asks for, once its `If-Match` (if any) names the stored revision: the stored
 * document merged with the patch (PATCH), or the document given (PUT, POST).
 */
export function updatedDoc(
  stored: { id: string; version: number; doc: JsonObject },
  cmd: UpdateDocCommand,
): JsonObject {
  checkRevision(stored.id, stored.version, cmd.ifRevision);
  return cmd.mode === 'merge' ? mergePatch(stored.doc, cmd.doc) : cmd.doc;
}
