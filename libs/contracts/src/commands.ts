// Payload classes of the commands on NATS; every service validates them again on arrival.
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
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
  @IsIn(ROLES as unknown as string[]) role: Role;
  @IsOptional() @Matches(HEX_ID) userId?: string;
  @IsOptional() @Matches(HEX_ID) clientId?: string;
}

export class TenantCommand {
  /** The account the request targets (from the URL); services check the actor may act on it. */
  @Matches(HEX_ID, { message: 'tenantId must be 32 lowercase hex characters' })
  tenantId: string;

  @ValidateNested()
  @Type(() => Actor)
  actor: Actor;
}

export class CreateDocCommand extends TenantCommand {
  @IsObject() doc: JsonObject;
  @IsOptional() @IsString() @MaxLength(128) idempotencyKey?: string;
}

export class DocIdCommand extends TenantCommand {
  @Matches(HEX_ID, { message: 'id must be 32 lowercase hex characters' }) id: string;
}

export class UpdateDocCommand extends DocIdCommand {
  @IsIn(['replace', 'merge']) mode: 'replace' | 'merge';
  @IsObject() doc: JsonObject;
  /** `If-Match`: the revision the client last read; a stale one is a conflict. */
  @IsOptional() @IsString() @MaxLength(64) ifRevision?: string;
}

export class ListCommand extends TenantCommand {
  @ValidateNested()
  @Type(() => ListQuery)
  query: ListQuery;
}

export class ApiKeyAuthCommand {
  @IsString() @MinLength(1) @MaxLength(256) apiKey: string;
  /** The caller's address, for rate limiting repeated failures. */
  @IsString() @MaxLength(128) clientKey: string;
}

export class UserAuthCommand {
  @Matches(/^[0-9a-f]{32}$/) credentials: string;
  @IsOptional() @IsString() @MaxLength(128) accountName?: string;
  @IsOptional() @IsString() @MaxLength(253) accountRealm?: string;
  @IsString() @MaxLength(128) clientKey: string;
}

export class ApiClientAuthCommand {
  @Matches(HEX_ID) clientId: string;
  @IsString() @MinLength(1) @MaxLength(256) clientSecret: string;
  @IsString() @MaxLength(128) clientKey: string;
  /** What the token is for (default `kazoo`): a token is refused for any other purpose. */
  @IsOptional() @IsIn(TOKEN_PURPOSES) purpose?: TokenPurpose;
  /** A lifetime shorter than the platform's (a face's own, e.g. Yeastar's access token); capped by it. */
  @IsOptional() @IsInt() @Min(1) @Max(31_536_000) ttlSeconds?: number;
}

/** Yeastar's refresh_token: a `yeastar_refresh` token buys a token of `purpose` for the same client. */
export class RenewApiClientCommand {
  @IsString() @MinLength(1) @MaxLength(512) token: string;
  @IsIn(TOKEN_PURPOSES) purpose: TokenPurpose;
  @IsOptional() @IsInt() @Min(1) @Max(31_536_000) ttlSeconds?: number;
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
  @IsString() @MinLength(1) @MaxLength(512) token: string;
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
