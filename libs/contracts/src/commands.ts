// Payload classes of the commands on NATS; every service validates them again on arrival.
import { IsBoolean, IsIn, IsObject, IsOptional, Matches } from 'class-validator';
import { Int, Nested, Text } from './rules';
import { contentRevision, HEX_ID, JsonObject } from './kazoo';
import { ListQuery, Page } from './list-query';

export const ROLES = ['operator', 'admin', 'user'] as const;
export type Role = (typeof ROLES)[number];

/**
 * What an auth token was minted for (its `aud` claim): `kazoo`, the `/v2` face's tokens; Yeastar's
 * access and refresh tokens. A token is accepted only for its own purpose, so none stands for another.
 */
export const TOKEN_PURPOSES = ['kazoo', 'yeastar_access', 'yeastar_refresh'] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

/** Who is acting: filled by the gateway from a verified credential, never from client input. */
export class Actor {
  @Matches(HEX_ID) accountId: string;
  @IsIn(ROLES) role: Role;
  @IsOptional() @Matches(HEX_ID) userId?: string;
  @IsOptional() @Matches(HEX_ID) clientId?: string;
}

export class TenantCommand {
  /** The account the request targets (from the URL); services check the actor may act on it. */
  @Matches(HEX_ID, { message: 'tenantId must be 32 lowercase hex characters' })
  tenantId: string;

  @Nested(() => Actor)
  actor: Actor;
}

export class CreateDocCommand extends TenantCommand {
  @IsObject() doc: JsonObject;
  @IsOptional() @Text(128) idempotencyKey?: string;
}

export class DocIdCommand extends TenantCommand {
  @Matches(HEX_ID, { message: 'id must be 32 lowercase hex characters' }) id: string;
}

export class UpdateDocCommand extends DocIdCommand {
  @IsIn(['replace', 'merge']) mode: 'replace' | 'merge';
  @IsObject() doc: JsonObject;
  /** `If-Match`: the revision the client last read; a stale one is a conflict. */
  @IsOptional() @Text(64) ifRevision?: string;
}

export class ListCommand extends TenantCommand {
  @Nested(() => ListQuery)
  query: ListQuery;
}

export class ApiKeyAuthCommand {
  @Text(256, 1) apiKey: string;
  /** The caller's address, for rate limiting repeated failures. */
  @Text(128) clientKey: string;
}

export class UserAuthCommand {
  @Matches(/^[0-9a-f]{32}$/) credentials: string;
  @IsOptional() @Text(128) accountName?: string;
  @IsOptional() @Text(253) accountRealm?: string;
  @Text(128) clientKey: string;
}

export class ApiClientAuthCommand {
  @Matches(HEX_ID) clientId: string;
  @Text(256, 1) clientSecret: string;
  @Text(128) clientKey: string;
  /** What the token is for (default `kazoo`): a token is refused for any other purpose. */
  @IsOptional() @IsIn(TOKEN_PURPOSES) purpose?: TokenPurpose;
  /** A lifetime shorter than the platform's (a face's own, e.g. Yeastar's access token); capped by it. */
  @IsOptional() @Int(1, 31_536_000) ttlSeconds?: number;
}

/** Yeastar's refresh_token: a `yeastar_refresh` token buys a token of `purpose` for the same client. */
export class RenewApiClientCommand {
  @Text(512, 1) token: string;
  @IsIn(TOKEN_PURPOSES) purpose: TokenPurpose;
  @IsOptional() @Int(1, 31_536_000) ttlSeconds?: number;
}

/** A service asking for an account's place in the tree, to apply the tenancy rule itself (canReach). */
export class AccountTreeCommand {
  @Matches(HEX_ID, { message: 'tenantId must be 32 lowercase hex characters' })
  tenantId: string;
}

export interface AccountTreeReply {
  id: string;
  /** Ancestors, root first. */
  tree: string[];
}

export class VerifyTokenCommand {
  @Text(512, 1) token: string;
  /** The purpose the token must have been minted for (default `kazoo`). */
  @IsOptional() @IsIn(TOKEN_PURPOSES) purpose?: TokenPurpose;
}

export class RotateApiKeyCommand extends TenantCommand {
  @IsOptional() @IsBoolean() confirm?: boolean;
}

export interface TokenGrant {
  auth_token: string;
  account_id: string;
  owner_id?: string;
  account_name: string;
  priv_level: Role;
  expires_at: string;
  /** The account may create child accounts (Kazoo's reseller); the operator always may. */
  is_reseller?: boolean;
}

export type StoredDocument = JsonObject & { id: string };

/** What a service answers for a single document: the body and its revision. */
export interface DocReply {
  doc: StoredDocument;
  revision: string;
}

export interface ListReply {
  items: JsonObject[];
  startKey?: string;
  nextStartKey?: string;
  revision: string;
}

/** A page of rows as a list reply: `items` (the rows as shown), the page's keys, the content's revision. */
export function listReply(page: Page<unknown>, items: JsonObject[]): ListReply {
  return {
    items,
    startKey: page.startKey,
    nextStartKey: page.nextStartKey,
    revision: contentRevision(items),
  };
}
