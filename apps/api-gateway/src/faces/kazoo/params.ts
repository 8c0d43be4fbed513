// Path parameters of Kazoo routes, checked by pipes: an id that cannot name anything is a 404, as Kazoo
// answers for any unknown id.
import { createParamDecorator, ExecutionContext, Injectable, Param, PipeTransform } from '@nestjs/common';
import { DomainError, ErrorCode, HEX_ID, MESSAGE_ID } from '@voxmail/contracts';
import type { Actor } from '@voxmail/contracts';
import type { GatewayRequest } from '../../common/request';
import { documentParameters, documentPathSchemas } from '../../common/openapi-meta';
import { ifMatch, LIST_QUERY_PARAMETERS, listQueryOf } from './request';

const badIdentifier = (v: string) =>
  new DomainError(ErrorCode.NotFound, 'bad identifier', { cause: v.slice(0, 64), message: 'bad identifier' });

/** A 32-hex-character document id, or the 404 Kazoo answers for an id that cannot name anything. */
export function pathId(v: string): string {
  if (!HEX_ID.test(v)) throw badIdentifier(v);
  return v;
}

/** A 32-hex-character document id (accounts, users, boxes, api clients, media). */
@Injectable()
export class HexIdPipe implements PipeTransform<string, string> {
  /** What the OpenAPI document says of the parameter (ops/openapi.ts reads it). */
  static readonly openapi = { type: 'string', pattern: HEX_ID.source };
  transform(v: string): string {
    return pathId(v);
  }
}

/** A message id (`YYYYMM-<hex>`, Kazoo's media_id). */
@Injectable()
export class MessageIdPipe implements PipeTransform<string, string> {
  static readonly openapi = { type: 'string', pattern: MESSAGE_ID.source };
  transform(v: string): string {
    if (!MESSAGE_ID.test(v)) throw badIdentifier(v);
    return v;
  }
}

export const AccountId = () => Param('accountId', HexIdPipe);
export const VmboxId = () => Param('vmboxId', HexIdPipe);
export const UserId = () => Param('userId', HexIdPipe);
export const ClientId = () => Param('clientId', HexIdPipe);
export const MessageId = () => Param('messageId', MessageIdPipe);
export const MediaId = () => Param('mediaId', HexIdPipe);
export const WebhookId = () => Param('webhookId', HexIdPipe);
export const BroadcastId = () => Param('id', HexIdPipe);

/** Who the guard authenticated (set by KazooAuthGuard before any handler runs). */
export const CurrentActor = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Actor => ctx.switchToHttp().getRequest<GatewayRequest>().actor!,
);

/** What a route under `accounts/:accountId/vmboxes/:vmboxId` addresses, and who asks. */
export interface Box {
  tenantId: string;
  actor: Actor;
  vmboxId: string;
}

const boxOf = createParamDecorator((_: unknown, ctx: ExecutionContext): Box => {
  const req = ctx.switchToHttp().getRequest<GatewayRequest>();
  const { accountId, vmboxId } = req.params as { accountId: string; vmboxId: string };
  return { tenantId: pathId(accountId), actor: req.actor!, vmboxId: pathId(vmboxId) };
});
/** `{tenantId, actor, vmboxId}` in one parameter, the ids checked as `AccountId()` and `VmboxId()` check them. */
export const Box = (): ParameterDecorator => (target, key, index) => {
  boxOf()(target, key, index);
  documentPathSchemas(target, key, { accountId: HexIdPipe.openapi, vmboxId: HexIdPipe.openapi });
};

/** What a route on one document (`accounts/:accountId/users/:userId`...) addresses, and who asks. */
export interface DocTarget {
  tenantId: string;
  actor: Actor;
  id: string;
}

const docOf = createParamDecorator((idParam: string, ctx: ExecutionContext): DocTarget => {
  const req = ctx.switchToHttp().getRequest<GatewayRequest>();
  const params = req.params as Record<string, string>;
  return { tenantId: pathId(params.accountId), actor: req.actor!, id: pathId(params[idParam]) };
});
/** `{tenantId, actor, id}` in one parameter, `id` the path parameter `idParam`, both ids checked as `AccountId()` checks. */
export const Doc =
  (idParam: string): ParameterDecorator =>
  (target, key, index) => {
    docOf(idParam)(target, key, index);
    documentPathSchemas(target, key, { accountId: HexIdPipe.openapi, [idParam]: HexIdPipe.openapi });
  };

/** Kazoo's list query string (page_size, start_key, order, filters), checked. */
const listQuery = createParamDecorator((_: unknown, ctx: ExecutionContext) =>
  listQueryOf(ctx.switchToHttp().getRequest<GatewayRequest>()),
);
/** The list query of the request; the handler's OpenAPI operation lists its parameters. */
export const KazooListQuery = (): ParameterDecorator => (target, key, index) => {
  listQuery()(target, key, index);
  documentParameters(target, key, LIST_QUERY_PARAMETERS);
};

/** The revision of `If-Match`, when sent. */
const ifMatchHeader = createParamDecorator((_: unknown, ctx: ExecutionContext) =>
  ifMatch(ctx.switchToHttp().getRequest<GatewayRequest>()),
);
export const IfMatch = (): ParameterDecorator => (target, key, index) => {
  ifMatchHeader()(target, key, index);
  documentParameters(target, key, [
    {
      name: 'If-Match',
      in: 'header',
      description: 'the revision the change is based on',
      schema: { type: 'string' },
    },
  ]);
};
