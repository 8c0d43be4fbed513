// Full-text search of messages (`?q=`): the generated `search` tsvector (migration 1765100000000) with its
// GIN index, ranked (ts_rank, then newest), Kazoo filters and keyset pages on (rank, timestamp, id), and
// the matched fragment (ts_headline). Always scoped by tenant, and by box or by the boxes a user may see.
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  accountTranscription,
  AccountTranscription,
  decodeKey,
  DomainError,
  encodeKey,
  ErrorCode,
  ListQuery,
  MAX_UNPAGINATED,
  MessageFolder,
  Page,
  searchConfigOf,
} from '@voxmail/contracts';
import { applyFilters } from '@voxmail/persistence';
import { MessageEntity } from './message.entity';

/** Which messages a search sees: one box, every box of the account, or the boxes of one user. */
export type SearchScope = { vmboxId: string } | { all: true } | { userId: string };

export interface SearchHit {
  message: MessageEntity;
  highlight: string;
}

// the account language's stemming for what was said, the words as written for names and numbers: a match
// of either (:cfg is one of SEARCH_CONFIGS' names, never the client's text)
const TSQUERY = `(websearch_to_tsquery(CAST(:cfg AS regconfig), :q) || websearch_to_tsquery('simple'::regconfig, :q))`;
/** The rank as an integer, so it can be part of a page key exactly. */
const RANK = `floor(ts_rank(m.search, ${TSQUERY}) * 1000000)::bigint`;
const HEADLINE = `ts_headline(CAST(:cfg AS regconfig),
  concat_ws(' ', m.doc #>> '{transcription,text}', m.doc ->> 'caller_id_name', m.doc ->> 'caller_id_number'),
  ${TSQUERY}, 'StartSel=**, StopSel=**, MaxWords=20, MinWords=6, MaxFragments=2, FragmentDelimiter=" … "')`;

const badKey = () =>
  new DomainError(ErrorCode.ValidationFailed, 'invalid data', {
    start_key: { type: { message: 'start_key is not a key this server issued' } },
  });

@Injectable()
export class MessageSearchRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async search(
    tenantId: string,
    scope: SearchScope,
    q: string,
    query: ListQuery,
    folder?: MessageFolder,
  ): Promise<Page<SearchHit>> {
    const cfg = searchConfigOf((await this.accountTranscription(tenantId)).language);
    const qb = this.ds
      .getRepository(MessageEntity)
      .createQueryBuilder('m')
      .addSelect(RANK, 'rank')
      .addSelect(HEADLINE, 'highlight')
      .where('m.tenant_id = :tenantId', { tenantId, q, cfg })
      .andWhere(`m.search @@ ${TSQUERY}`);
    if ('vmboxId' in scope) qb.andWhere('m.vmbox_id = :vmboxId', { vmboxId: scope.vmboxId });
    if ('userId' in scope)
      qb.andWhere(
        `m.vmbox_id IN (SELECT b.id FROM message.box_projection b WHERE b.tenant_id = :tenantId
           AND NOT b.deleted AND (b.owner_id = :userId OR :userId = ANY (b.members)))`,
        { userId: scope.userId },
      );
    if (folder) qb.andWhere('m.folder = :folder', { folder });
    else qb.andWhere(`m.folder <> 'deleted'`);
    applyFilters(qb, query, {
      docColumn: 'm.doc',
      createdColumn: 'm.created_at',
      modifiedColumn: 'm.updated_at',
    });
    if (query.startKey) {
      const key = decodeKey(query.startKey);
      if (
        !key ||
        key.length !== 3 ||
        !Number.isSafeInteger(key[0]) ||
        !Number.isSafeInteger(key[1]) ||
        typeof key[2] !== 'string' ||
        !/^[0-9]{6}-[0-9a-f]{32}$/.test(key[2])
      )
        throw badKey();
      qb.andWhere(`(${RANK}, m.ts, m.id) <= (:kr, :kts, :kid)`, { kr: key[0], kts: key[1], kid: key[2] });
    }
    // best match first; among equals, newest first
    qb.orderBy('rank', 'DESC').addOrderBy('m.ts', 'DESC').addOrderBy('m.id', 'DESC');
    const limit = query.paginate ? query.pageSize : MAX_UNPAGINATED;
    const { entities, raw } = await qb.limit(limit + 1).getRawAndEntities<{
      rank: string;
      highlight: string;
    }>();
    if (!query.paginate && entities.length > limit)
      throw new DomainError(
        ErrorCode.RangeNotSatisfiable,
        'the listing is too large to return unpaginated; use page_size',
        { limit },
      );
    const hits = entities.map((message, i) => ({
      message,
      highlight: raw[i].highlight,
      rank: Number(raw[i].rank),
    }));
    const keyOf = (h: (typeof hits)[number]) => encodeKey([h.rank, h.message.ts, h.message.id]);
    const items = hits.slice(0, limit);
    return {
      items: items.map(({ message, highlight }) => ({ message, highlight })),
      startKey: query.startKey ?? (items[0] ? keyOf(items[0]) : undefined),
      nextStartKey: query.paginate && hits.length > limit ? keyOf(hits[limit]) : undefined,
    };
  }

  /** The account's `transcription` settings as the projection knows them (all null: none, or unknown). */
  async accountTranscription(tenantId: string): Promise<AccountTranscription> {
    return (await this.knownAccountTranscription(tenantId)) ?? accountTranscription({});
  }

  /** The account's transcription settings, or null when the projection does not know the account (yet). */
  async knownAccountTranscription(tenantId: string): Promise<AccountTranscription | null> {
    const rows: { transcription: unknown }[] = await this.ds.query(
      `SELECT transcription FROM message.account_projection WHERE tenant_id = $1 AND NOT deleted`,
      [tenantId],
    );
    return rows[0] ? accountTranscription({ transcription: rows[0].transcription }) : null;
  }

  /** The account's ancestors as the projection knows them (null: unknown account or no tree yet). */
  async accountTree(tenantId: string): Promise<string[] | null> {
    const rows: { tree: string[] | null; deleted: boolean }[] = await this.ds.query(
      `SELECT tree, deleted FROM message.account_projection WHERE tenant_id = $1`,
      [tenantId],
    );
    return rows[0] && !rows[0].deleted ? rows[0].tree : null;
  }
}
