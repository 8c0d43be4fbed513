// Service replies to Kazoo results.
import type { DocReply, ListReply } from '@voxmail/contracts';
import type { KazooResult } from './envelope';

export function docResult(r: DocReply, status = 200): KazooResult {
  return { data: r.doc, revision: r.revision, status };
}

export function listResult(r: ListReply): KazooResult {
  return {
    data: r.items,
    revision: r.revision,
    page: {
      page_size: r.items.length,
      ...(r.startKey ? { start_key: r.startKey } : {}),
      ...(r.nextStartKey ? { next_start_key: r.nextStartKey } : {}),
    },
  };
}
