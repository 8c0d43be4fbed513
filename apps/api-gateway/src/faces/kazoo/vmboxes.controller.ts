// Kazoo crossbar vmboxes: the box CRUD of the 4.3 document, plus Voxmail's PIN check for the PBX.
import { Body, Delete, Post } from '@nestjs/common';
import { Actor, Commands, validatePinAttempt, VerifyPinSchema, VmboxSchema } from '@voxmail/contracts';
import { BodySchema, closed, renderedDocument, Responds } from '../../common/openapi-meta';
import { KazooDocuments } from './documents.controller';
import type { KazooResult } from './envelope';
import { KazooController } from './kazoo.controller';
import { AccountId, CurrentActor, IfMatch, VmboxId } from './params';
import { dataOf } from './request';
import { docResult } from './results';

// the seed document's (Kazoo 4.3 vmboxes) create request
const EXAMPLES = {
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
};

@KazooController('accounts/:accountId/vmboxes')
export class VmboxesController extends KazooDocuments({
  idParam: 'vmboxId',
  schema: VmboxSchema,
  createExamples: EXAMPLES,
  collectionNotAllowed: 'use PUT to create a voicemail box, or address one by its id',
  list: Commands.VmboxList,
  create: Commands.VmboxCreate,
  get: Commands.VmboxGet,
  update: Commands.VmboxUpdate,
  delete: Commands.VmboxDelete,
}) {
  @Delete(':vmboxId')
  @Responds({ schema: renderedDocument(VmboxSchema) })
  override async delete(
    @AccountId() tenantId: string,
    @VmboxId() id: string,
    @CurrentActor() actor: Actor,
    @IfMatch() ifRevision?: string,
  ): Promise<KazooResult> {
    return docResult(await this.bus.send(Commands.VmboxDelete, { tenantId, actor, id, ifRevision }));
  }

  /** For the PBX playing the voicemail menu: 200 `{valid}`, or 423 while the box is locked. */
  @Post(':vmboxId/pin/verify')
  @BodySchema(VerifyPinSchema)
  @Responds({ schema: closed({ valid: { type: 'boolean' } }), status: 200, errors: [423] })
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
