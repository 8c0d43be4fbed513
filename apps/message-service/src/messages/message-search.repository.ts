// Full-text search of messages (`?q=`): the generated `search` tsvector (migration 1765300000000) with its
// GIN index and the time order of migration 1765420000000, Kazoo filters and keyset pages, and the matched
// fragment (ts_headline) of the page's messages only. Always scoped by tenant, and by box or by the boxes a
// user may see.
//
// What a page costs is bounded, whatever the number of messages or of matches: the newest
// MESSAGE_SEARCH_RANKED_MATCHES (N) matches are ranked (ts_rank, best first, then newest), and the older
// matches follow, newest first, unranked. The newest N come from a time-ordered index scan filtered by the
// query, which for a word most messages say stops after N rows, or from the GIN index for a rare word (the
// planner picks by the word's frequency); ts_rank is computed on those N only. The first page fixes the
// ranked window (its newest match and its Nth), and every later page's key carries it: the pages of one
// search are one stable order, and a message deposited after the first page is not in them.
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, SelectQueryBuilder } from 'typeorm';
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
import { MESSAGE_SETTINGS, MessageSettings } from '../settings';
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

const MESSAGE_ID = /^[0-9]{6}-[0-9a-f]{32}$/;

/** A message's place in time order. */
interface At {
  ts: number;
  id: string;
}

/** One match of a page: `tier` 1 is ranked (the newest N matches), tier 2 the older ones (rank 0). */
interface Hit extends At {
  tier: 1 | 2;
  rank: number;
}

/** What a page key says: the ranked window of the search (`top` its newest match, `cut` its oldest when older
 *  matches follow, else null) and the first hit of the page. */
interface SearchKey {
  top: At;
  cut: At | null;
  at: Hit;
}

const badKey = () =>
  new DomainError(ErrorCode.ValidationFailed, 'invalid data', {
    start_key: { type: { message: 'start_key is not a key this server issued' } },
  });

const encodeSearchKey = ({ top, cut, at }: SearchKey) =>
  encodeKey([top.ts, top.id, cut?.ts ?? -1, cut?.id ?? '', at.tier, at.rank, at.ts, at.id]);

function decodeSearchKey(startKey: string): SearchKey {
  const k = decodeKey(startKey);
  if (!k || k.length !== 8) throw badKey();
  const [topTs, topId, cutTs, cutId, tier, rank, ts, id] = k;
  const int = (v: unknown): v is number => Number.isSafeInteger(v);
  const msg = (v: unknown): v is string => typeof v === 'string' && MESSAGE_ID.test(v);
  const hasCut = cutTs !== -1 || cutId !== '';
  if (
    !int(topTs) ||
    !msg(topId) ||
    (hasCut && (!int(cutTs) || !msg(cutId))) ||
    (tier !== 1 && tier !== 2) ||
    (tier === 2 && !hasCut) ||
    !int(rank) ||
    !int(ts) ||
    !msg(id)
  )
    throw badKey();
  return {
    top: { ts: topTs, id: topId },
    cut: hasCut ? { ts: cutTs as number, id: cutId as string } : null,
    at: { tier, rank, ts, id },
  };
}

type RankedRow = {
  id: string;
  ts: string;
  rank: string;
  top_ts?: string;
  top_id?: string;
  cut_ts?: string;
  cut_id?: string;
};

@Injectable()
export class MessageSearchRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(MESSAGE_SETTINGS) private readonly settings: MessageSettings,
  ) {}

  async search(
    tenantId: string,
    scope: SearchScope,
    q: string,
    query: ListQuery,
    folder?: MessageFolder,
  ): Promise<Page<SearchHit>> {
    const cfg = searchConfigOf((await this.accountTranscription(tenantId)).language);
    const key = query.startKey ? decodeSearchKey(query.startKey) : undefined;
    const limit = query.paginate ? query.pageSize : MAX_UNPAGINATED;
    /** The matches the caller may see: tenant, scope, folder, Kazoo filters and the query. */
    const matches = () => {
      const qb = this.ds
        .getRepository(MessageEntity)
        .createQueryBuilder('m')
        .select('m.id', 'id')
        .addSelect('m.ts', 'ts')
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
      return qb.orderBy('m.ts', 'DESC').addOrderBy('m.id', 'DESC');
    };

    let window: { top: At; cut: At | null } | undefined = key && { top: key.top, cut: key.cut };
    const hits: Hit[] = [];
    if (!key || key.at.tier === 1) {
      const ranked = await this.ranked(matches(), limit + 1, key);
      if (!key && ranked[0]) {
        const r = ranked[0];
        window = {
          top: { ts: Number(r.top_ts), id: r.top_id as string },
          cut: r.cut_id ? { ts: Number(r.cut_ts), id: r.cut_id } : null,
        };
      }
      for (const r of ranked) hits.push({ tier: 1, rank: Number(r.rank), ts: Number(r.ts), id: r.id });
    }
    if (window?.cut && hits.length <= limit) {
      // the older matches, newest first, after the ranked ones
      const older = matches()
        .andWhere('(m.ts, m.id) < (:cutTs, :cutId)', { cutTs: window.cut.ts, cutId: window.cut.id })
        .limit(limit + 1 - hits.length);
      if (key?.at.tier === 2)
        older.andWhere('(m.ts, m.id) <= (:kts, :kid)', { kts: key.at.ts, kid: key.at.id });
      for (const r of await older.getRawMany<{ id: string; ts: string }>())
        hits.push({ tier: 2, rank: 0, ts: Number(r.ts), id: r.id });
    }
    if (!query.paginate && hits.length > limit)
      throw new DomainError(
        ErrorCode.RangeNotSatisfiable,
        'the listing is too large to return unpaginated; use page_size',
        { limit },
      );
    const page = hits.slice(0, limit);
    const keyOf = (at: Hit) => (window ? encodeSearchKey({ ...window, at }) : undefined);
    return {
      items: await this.withHighlights(tenantId, cfg, q, page),
      startKey: query.startKey ?? (page[0] ? keyOf(page[0]) : undefined),
      nextStartKey: query.paginate && hits.length > limit ? keyOf(hits[limit]) : undefined,
    };
  }

  /**
   * The ranked window's matches from the page key on, best first, at most `take`. The first page (no key)
   * ranks the newest N matches and says the window: its newest match (top) and, when more matches are
   * older, its Nth (cut). A later page ranks the matches between the key's top and cut.
   */
  private async ranked(
    matches: SelectQueryBuilder<MessageEntity>,
    take: number,
    key: SearchKey | undefined,
  ): Promise<RankedRow[]> {
    const n = this.settings.searchRankedMatches;
    matches.addSelect(RANK, 'rank');
    if (key) {
      matches.orderBy(); // the outer query orders by rank
      matches.andWhere('(m.ts, m.id) <= (:topTs, :topId)', { topTs: key.top.ts, topId: key.top.id });
      if (key.cut)
        matches.andWhere('(m.ts, m.id) >= (:cutTs, :cutId)', { cutTs: key.cut.ts, cutId: key.cut.id });
    } else matches.limit(n + 1);
    const [sql, params] = matches.getQueryAndParameters();
    const $ = (i: number) => `$${params.length + i}`;
    if (key)
      return this.ds.query(
        `SELECT c.id, c.ts, c.rank FROM (${sql}) c
          WHERE (c.rank, c.ts, c.id) <= (${$(1)}::bigint, ${$(2)}::bigint, ${$(3)}::text)
          ORDER BY c.rank DESC, c.ts DESC, c.id DESC LIMIT ${$(4)}`,
        [...params, key.at.rank, key.at.ts, key.at.id, take],
      );
    return this.ds.query(
      `WITH c AS (${sql}),
            w AS (SELECT c.*, row_number() OVER (ORDER BY c.ts DESC, c.id DESC) AS pos FROM c)
       SELECT w.id, w.ts, w.rank,
              (SELECT ts FROM w WHERE pos = 1) AS top_ts, (SELECT id FROM w WHERE pos = 1) AS top_id,
              (SELECT ts FROM w WHERE pos = ${$(1)} AND EXISTS (SELECT 1 FROM w WHERE pos > ${$(1)})) AS cut_ts,
              (SELECT id FROM w WHERE pos = ${$(1)} AND EXISTS (SELECT 1 FROM w WHERE pos > ${$(1)})) AS cut_id
         FROM w WHERE w.pos <= ${$(1)}
        ORDER BY w.rank DESC, w.ts DESC, w.id DESC LIMIT ${$(2)}`,
      [...params, n, take],
    );
  }

  /** The page's messages in its order, each with its matched fragment (ts_headline, on these only). */
  private async withHighlights(tenantId: string, cfg: string, q: string, page: Hit[]): Promise<SearchHit[]> {
    if (!page.length) return [];
    const { entities, raw } = await this.ds
      .getRepository(MessageEntity)
      .createQueryBuilder('m')
      .addSelect(HEADLINE, 'highlight')
      .where('m.tenant_id = :tenantId', { tenantId, q, cfg })
      .andWhere('m.id IN (:...ids)', { ids: page.map((h) => h.id) })
      .getRawAndEntities<{ m_id: string; highlight: string }>();
    const byId = new Map(entities.map((message) => [message.id, message]));
    const highlights = new Map(raw.map((r) => [r.m_id, r.highlight]));
    return page.flatMap(({ id }) => {
      const message = byId.get(id);
      return message ? [{ message, highlight: highlights.get(id) ?? '' }] : [];
    });
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
