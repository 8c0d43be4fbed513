// Kazoo crossbar's document CRUD, written once for the collections of an account (users, vmboxes, api clients,
// webhooks, and the account itself):
//   GET    {collection}        list          PUT   {collection}        create (201)
//   GET    {document}          get           POST  {document}          replace (If-Match)
//   PATCH  {document}          merge         DELETE {document}         delete
// A controller extends `KazooDocuments({...})`, names the commands it serves and adds its own routes; a
// route whose command is not named does not exist (api clients are never read one by one or changed).
import { Body, Delete, Get, Injectable, Param, Patch, Post, Put, Type } from '@nestjs/common';
import {
  Actor,
  CommandDef,
  CreateDocCommand,
  DocIdCommand,
  DocReply,
  DomainError,
  ErrorCode,
  ListCommand,
  ListQuery,
  ListReply,
  UpdateDocCommand,
} from '@voxmail/contracts';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { CommandBus } from '../../common/command-bus';
import {
  BodySchema,
  DocumentedExamples,
  Examples,
  renderedDocument,
  Responds,
} from '../../common/openapi-meta';
import type { KazooResult } from './envelope';
import { AccountId, CurrentActor, HexIdPipe, IfMatch, KazooListQuery } from './params';
import { dataOf } from './request';
import { docResult, listResult } from './results';

export interface KazooDocumentsSpec {
  /** The path parameter naming one document (`userId`...); `accountId` for the account itself. */
  idParam: string;
  /** Where one document is, below the controller's path: `:{idParam}` unless said. */
  documentPath?: string;
  /** The JSON schema of the document (OpenAPI only: the service validates). */
  schema?: object;
  /** The seed document's create example. */
  createExamples?: DocumentedExamples;
  /** With it, POST, PATCH and DELETE on the collection answer 405 with this message (Kazoo's GET and PUT only). */
  collectionNotAllowed?: string;
  list?: CommandDef<string, ListCommand, ListReply>;
  create: CommandDef<string, CreateDocCommand, DocReply>;
  get?: CommandDef<string, DocIdCommand, DocReply>;
  update?: CommandDef<string, UpdateDocCommand, DocReply>;
  delete: CommandDef<string, DocIdCommand, DocReply>;
}

/** The base class of a Kazoo document controller (see the head of this file). */
export function KazooDocuments(spec: KazooDocumentsSpec) {
  const DocId = () => Param(spec.idParam, HexIdPipe);
  const documentPath = spec.documentPath ?? `:${spec.idParam}`;
  const none: MethodDecorator = () => undefined;
  const schema = (partial = false) => (spec.schema ? BodySchema(spec.schema, { partial }) : none);
  // what the service renders: the document with its id (any custom key kept), or a list of them
  const doc = Responds({ schema: renderedDocument(spec.schema ?? {}) });
  const docs = Responds({ schema: { type: 'array', items: renderedDocument({}) } });
  const collectionNotAllowed = () => new DomainError(ErrorCode.MethodNotAllowed, spec.collectionNotAllowed!);

  @Injectable()
  class KazooDocumentsController {
    constructor(readonly bus: CommandBus) {}

    @Get()
    @docs
    async list(
      @AccountId() tenantId: string,
      @CurrentActor() actor: Actor,
      @KazooListQuery() query: ListQuery,
    ): Promise<KazooResult> {
      return listResult(await this.bus.send(spec.list!, { tenantId, actor, query }));
    }

    @Put()
    @schema()
    @doc
    @(spec.createExamples ? Examples(spec.createExamples) : none)
    async create(
      @AccountId() tenantId: string,
      @CurrentActor() actor: Actor,
      @Body() body: unknown,
    ): Promise<KazooResult> {
      return docResult(await this.bus.send(spec.create, { tenantId, actor, doc: dataOf(body) }), 201);
    }

    // Nest keeps one verb per method: one handler each.
    @Post()
    @Responds({ errors: [405] })
    postCollection(): never {
      throw collectionNotAllowed();
    }

    @Patch()
    @Responds({ errors: [405] })
    patchCollection(): never {
      throw collectionNotAllowed();
    }

    @Delete()
    @Responds({ errors: [405] })
    deleteCollection(): never {
      throw collectionNotAllowed();
    }

    @Get(documentPath)
    @doc
    async get(
      @AccountId() tenantId: string,
      @DocId() id: string,
      @CurrentActor() actor: Actor,
    ): Promise<KazooResult> {
      return docResult(await this.bus.send(spec.get!, { tenantId, actor, id }));
    }

    @Post(documentPath)
    @schema()
    @doc
    replace(
      @AccountId() tenantId: string,
      @DocId() id: string,
      @CurrentActor() actor: Actor,
      @IfMatch() ifRevision: string | undefined,
      @Body() body: unknown,
    ): Promise<KazooResult> {
      return this.update({ tenantId, actor, id, mode: 'replace', doc: dataOf(body), ifRevision });
    }

    @Patch(documentPath)
    @schema(true)
    @doc
    patch(
      @AccountId() tenantId: string,
      @DocId() id: string,
      @CurrentActor() actor: Actor,
      @IfMatch() ifRevision: string | undefined,
      @Body() body: unknown,
    ): Promise<KazooResult> {
      return this.update({ tenantId, actor, id, mode: 'merge', doc: dataOf(body), ifRevision });
    }

    private async update(command: UpdateDocCommand): Promise<KazooResult> {
      return docResult(await this.bus.send(spec.update!, command));
    }

    @Delete(documentPath)
    @doc
    async delete(
      @AccountId() tenantId: string,
      @DocId() id: string,
      @CurrentActor() actor: Actor,
    ): Promise<KazooResult> {
      return docResult(await this.bus.send(spec.delete, { tenantId, actor, id }));
    }
  }

  // the routes this controller does not serve are not routes at all (nor their parameters, which a
  // subclass's handler of the same name would otherwise inherit)
  const proto = KazooDocumentsController.prototype as unknown as Record<string, unknown>;
  const absent = [
    ...(spec.list ? [] : ['list']),
    ...(spec.get ? [] : ['get']),
    ...(spec.update ? [] : ['replace', 'patch']),
    ...(spec.collectionNotAllowed ? [] : ['postCollection', 'patchCollection', 'deleteCollection']),
  ];
  for (const name of absent) {
    delete proto[name];
    Reflect.deleteMetadata(ROUTE_ARGS_METADATA, KazooDocumentsController, name);
  }
  return KazooDocumentsController as Type<KazooDocumentsController>;
}
