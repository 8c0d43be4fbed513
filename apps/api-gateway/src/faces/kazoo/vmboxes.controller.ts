// Kazoo crossbar vmboxes: the box CRUD of the 4.3 document, plus Voxmail's PIN check for the PBX.
import { Body, Delete, Get, Patch, Post, Put } from '@nestjs/common';
import {
  Actor,
  Commands,
  DomainError,
  ErrorCode,
  JsonObject,
  ListQuery,
  validatePinAttempt,
  VerifyPinSchema,
  VmboxSchema,
} from '@voxmail/contracts';
import { BodySchema, Examples } from '../../common/openapi-meta';
import { CommandBus } from '../../common/command-bus';
import type { KazooResult } from './envelope';
import { KazooController } from './kazoo.controller';
import { AccountId, CurrentActor, IfMatch, KazooListQuery, VmboxId } from './params';
import { dataOf } from './request';
import { docResult, listResult } from './results';

const collectionNotAllowed = () =>
  new DomainError(ErrorCode.MethodNotAllowed, 'use PUT to create a voicemail box, or address one by its id');

@KazooController('accounts/:accountId/vmboxes')
export class VmboxesController {
  constructor(private readonly bus: CommandBus) {}

  @Get()
  async list(
    @AccountId() tenantId: string,
    @CurrentActor() actor: Actor,
    @KazooListQuery() query: ListQuery,
  ): Promise<KazooResult> {
    return listResult(await this.bus.send(Commands.VmboxList, { tenantId, actor, query }));
  }

  @Put()
  @BodySchema(VmboxSchema)
  @Examples({
    // the seed document's (Kazoo 4.3 vmboxes) create request
    request: {
      data: {
        name: 'VMBox 0',
        require_pin: true,
        is_setup: false,
        pin: '0000',
        mailbox: '3000',
        timezone: 'America/Los_Angeles',
        check_if_owner: true,
        delete_after_notify: false,
        not_configurable: false,
        notify_email_addresses: [],
        save_after_notify: false,
        skip_greeting: false,
        skip_instructions: false,
        owner_id: 'f1d98a5df729f95cd208ee9430e3b21b',
        media: {},
      },
    },
  })
  async create(
    @AccountId() tenantId: string,
    @CurrentActor() actor: Actor,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    return docResult(await this.bus.send(Commands.VmboxCreate, { tenantId, actor, doc: dataOf(body) }), 201);
  }

  // Kazoo's collection takes GET and PUT only (one handler per verb: Nest keeps one verb per method).
  @Post()
  postCollection(): never {
    throw collectionNotAllowed();
  }

  @Patch()
  patchCollection(): never {
    throw collectionNotAllowed();
  }

  @Delete()
  deleteCollection(): never {
    throw collectionNotAllowed();
  }

  @Get(':vmboxId')
  async get(
    @AccountId() tenantId: string,
    @VmboxId() id: string,
    @CurrentActor() actor: Actor,
  ): Promise<KazooResult> {
    return docResult(await this.bus.send(Commands.VmboxGet, { tenantId, actor, id }));
  }

  @Post(':vmboxId')
  @BodySchema(VmboxSchema)
  replace(
    @AccountId() tenantId: string,
    @VmboxId() id: string,
    @CurrentActor() actor: Actor,
    @IfMatch() ifRevision: string | undefined,
    @Body() body: unknown,
  ) {
    return this.update(tenantId, id, actor, 'replace', dataOf(body), ifRevision);
  }

  @Patch(':vmboxId')
  @BodySchema(VmboxSchema, { partial: true })
  patch(
    @AccountId() tenantId: string,
    @VmboxId() id: string,
    @CurrentActor() actor: Actor,
    @IfMatch() ifRevision: string | undefined,
    @Body() body: unknown,
  ) {
    return this.update(tenantId, id, actor, 'merge', dataOf(body), ifRevision);
  }

  private async update(
    tenantId: string,
    id: string,
    actor: Actor,
    mode: 'replace' | 'merge',
    doc: JsonObject,
    ifRevision: string | undefined,
  ) {
    return docResult(
      await this.bus.send(Commands.VmboxUpdate, { tenantId, actor, id, mode, doc, ifRevision }),
    );
  }

  @Delete(':vmboxId')
  async delete(
    @AccountId() tenantId: string,
    @VmboxId() id: string,
    @CurrentActor() actor: Actor,
    @IfMatch() ifRevision: string | undefined,
  ): Promise<KazooResult> {
    return docResult(await this.bus.send(Commands.VmboxDelete, { tenantId, actor, id, ifRevision }));
  }

  /** For the PBX playing the voicemail menu: 200 `{valid}`, or 423 while the box is locked. */
  @Post(':vmboxId/pin/verify')
  @BodySchema(VerifyPinSchema)
  async verifyPin(
    @AccountId() tenantId: string,
    @VmboxId() id: string,
    @CurrentActor() actor: Actor,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    const { pin } = validatePinAttempt(dataOf(body));
    const data = await this.bus.send(Commands.VmboxVerifyPin, { tenantId, actor, id, pin });
    return { data: { valid: data.valid } };
  }
}
