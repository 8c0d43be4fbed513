// The account manager's upload URL, `/api/files/{uuid}`: Flexisip's VoicemailServer posts its recording to
// the path of `upload_url` alone (the query is dropped) with the admin's `x-api-key`, as the account
// manager's `files/{uuid}` route takes it (admins only: a user key is 403). The same URL with its signed
// query (`account`, `expires`, `signature`) needs no key, for clients that use the link as their credential.
import { Controller, HttpCode, Param, Post, Put, Req, Res, UseFilters } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError, ErrorCode, HEX_ID } from '@voxmail/contracts';
import type { GatewayRequest } from '../../common/request';
import { FlexisipContext } from './flexisip.context';
import { FlexisipExceptionFilter } from './flexisip.filter';
import { FlexisipAdminGuard } from './flexisip.guard';
import { LinkTarget } from './slot-links';
import { SlotUpload, SlotUploads } from './slot-uploads';
import { UUID } from './voicemail-files.controller';

/** A signed query, else an admin's key: 401 without either, 403 for a bad signature or a user's key. */
const ADMIN_OR_SIGNED = [401, 403];

@Controller('api/files/:uuid')
@UseFilters(FlexisipExceptionFilter)
export class FlexisipFilesController {
  constructor(
    private readonly ctx: FlexisipContext,
    private readonly slots: SlotUploads,
    private readonly admins: FlexisipAdminGuard,
  ) {}

  /** The slot `uuid` names, for a valid signed query or else an admin's key (no key: 401). */
  private async target(req: GatewayRequest, uuid: string): Promise<LinkTarget> {
    const q = (req.query ?? {}) as Record<string, unknown>;
    const slotId = uuid.toLowerCase();
    const signed = q.signature !== undefined || q.expires !== undefined;
    if (signed && typeof q.account === 'string' && HEX_ID.test(q.account) && UUID.test(slotId)) {
      const t = { tenantId: q.account, slotId };
      if (this.ctx.links.verify('upload', t, q.expires, q.signature) === 'ok') return t;
    }
    if (signed && req.headers['x-api-key'] === undefined)
      throw new DomainError(ErrorCode.Forbidden, 'Invalid signature.');
    const actor = await this.admins.admit(req);
    if (!UUID.test(slotId)) throw DomainError.notFound('Voicemail not found.');
    return { tenantId: actor.accountId, slotId };
  }

  /** Flexisip's shape: multipart/form-data with a part named `file`. */
  @Post()
  @HttpCode(200)
  @SlotUpload('form', ADMIN_OR_SIGNED)
  async uploadForm(
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('uuid') uuid: string,
  ) {
    return this.slots.fill(req, reply, await this.target(req, uuid), 'form');
  }

  /** The audio as the body, with the declared `Content-Type`. */
  @Put()
  @HttpCode(200)
  @SlotUpload('raw', ADMIN_OR_SIGNED)
  async uploadRaw(
    @Req() req: GatewayRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Param('uuid') uuid: string,
  ) {
    return this.slots.fill(req, reply, await this.target(req, uuid), 'raw');
  }
}
