// Kazoo crossbar vmboxes: the box CRUD of the 4.3 document, plus Voxmail's PIN check for the PBX.
import { Body, Controller, Delete, Get, Param, Patch, Post, Put, Req, UseInterceptors } from '@nestjs/common';
import {
  Actor,
  DocReply,
  DomainError,
  ErrorCode,
  ListReply,
  PinVerifyReply,
  Subjects,
  validatePinAttempt,
} from '@voxmail/contracts';
import { CommandBus } from '../common/command-bus';
import type { GatewayRequest } from '../common/request';
import type { KazooResult } from './envelope';
import { KazooInterceptor } from './kazoo.interceptor';
import { dataOf, ifMatch, listQueryOf, pathId } from './request';
import { docResult, listResult } from './results';

const actorOf = (req: GatewayRequest): Actor => req.actor!;
const collectionNotAllowed = () =>
  new DomainError(ErrorCode.MethodNotAllowed, 'use PUT to create a voicemail box, or address one by its id');

@Controller('v2/accounts/:accountId/vmboxes')
@UseInterceptors(KazooInterceptor)
export class VmboxesController {
  constructor(private readonly bus: CommandBus) {}

  @Get()
  async list(@Req() req: GatewayRequest, @Param('accountId') accountId: string): Promise<KazooResult> {
    return listResult(
      await this.bus.execute<ListReply>(Subjects.Vmbox.List, {
        tenantId: pathId(accountId),
        actor: actorOf(req),
        query: listQueryOf(req),
      }),
    );
  }

  @Put()
  async create(
    @Req() req: GatewayRequest,
    @Param('accountId') accountId: string,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    const r = await this.bus.execute<DocReply>(Subjects.Vmbox.Create, {
      tenantId: pathId(accountId),
      actor: actorOf(req),
      doc: dataOf(body),
    });
    return docResult(r, 201);
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
    @Req() req: GatewayRequest,
    @Param('accountId') accountId: string,
    @Param('vmboxId') vmboxId: string,
  ): Promise<KazooResult> {
    return docResult(
      await this.bus.execute<DocReply>(Subjects.Vmbox.Get, {
        tenantId: pathId(accountId),
        actor: actorOf(req),
        id: pathId(vmboxId),
      }),
    );
  }

  @Post(':vmboxId')
  replace(
    @Req() req: GatewayRequest,
    @Param('accountId') a: string,
    @Param('vmboxId') b: string,
    @Body() body: unknown,
  ) {
    return this.update(req, a, b, body, 'replace');
  }

  @Patch(':vmboxId')
  patch(
    @Req() req: GatewayRequest,
    @Param('accountId') a: string,
    @Param('vmboxId') b: string,
    @Body() body: unknown,
  ) {
    return this.update(req, a, b, body, 'merge');
  }

  private async update(
    req: GatewayRequest,
    accountId: string,
    vmboxId: string,
    body: unknown,
    mode: 'replace' | 'merge',
  ) {
    const r = await this.bus.execute<DocReply>(Subjects.Vmbox.Update, {
      tenantId: pathId(accountId),
      actor: actorOf(req),
      id: pathId(vmboxId),
      mode,
      doc: dataOf(body),
      ifRevision: ifMatch(req),
    });
    return docResult(r);
  }

  @Delete(':vmboxId')
  async delete(
    @Req() req: GatewayRequest,
    @Param('accountId') accountId: string,
    @Param('vmboxId') vmboxId: string,
  ): Promise<KazooResult> {
    return docResult(
      await this.bus.execute<DocReply>(Subjects.Vmbox.Delete, {
        tenantId: pathId(accountId),
        actor: actorOf(req),
        id: pathId(vmboxId),
        ifRevision: ifMatch(req),
      }),
    );
  }

  /** For the PBX playing the voicemail menu: 200 `{valid}`, or 423 while the box is locked. */
  @Post(':vmboxId/pin/verify')
  async verifyPin(
    @Req() req: GatewayRequest,
    @Param('accountId') accountId: string,
    @Param('vmboxId') vmboxId: string,
    @Body() body: unknown,
  ): Promise<KazooResult> {
    const tenantId = pathId(accountId);
    const id = pathId(vmboxId);
    const { pin } = validatePinAttempt(dataOf(body));
    const data = await this.bus.execute<PinVerifyReply>(Subjects.Vmbox.VerifyPin, {
      tenantId,
      actor: actorOf(req),
      id,
      pin,
    });
    return { data: { valid: data.valid } };
  }
}
