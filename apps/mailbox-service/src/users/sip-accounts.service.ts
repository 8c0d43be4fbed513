// Users as the SIP accounts of the Flexisip account manager face: found by their integer id (numbered per
// account by the database) or their SIP address `username@realm`.
import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, SipAccount, SipAccountFindCommand } from '@voxmail/contracts';
import { AccountsService } from '../accounts/accounts.service';
import { UserEntity } from './user.entity';
import { UsersRepository } from './users.repository';

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

export function sipAccountView(u: UserEntity, realm: string | null): SipAccount {
  const name = [text(u.doc.first_name), text(u.doc.last_name)].filter(Boolean).join(' ');
  return {
    user_id: u.id,
    sip_id: Number(u.sipId),
    username: text(u.doc.username),
    domain: realm,
    display_name: name || null,
    email: text(u.doc.email),
    admin: u.privLevel === 'admin',
    enabled: u.doc.enabled !== false,
    created_at: u.createdAt.toISOString(),
    updated_at: u.updatedAt.toISOString(),
  };
}

/** `user@host` as the account manager splits it (at the first `@`); anything else names no one. */
export function splitAddress(address: string): { user: string; host: string } | null {
  const at = address.indexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  return { user: address.slice(0, at), host: address.slice(at + 1).split('@')[0] };
}

@Injectable()
export class SipAccountsService {
  constructor(
    private readonly users: UsersRepository,
    private readonly accounts: AccountsService,
  ) {}

  async find(cmd: SipAccountFindCommand): Promise<SipAccount> {
    const account = await this.accounts.requireVisible(cmd.actor, cmd.tenantId);
    const realm = text(account.doc.realm)?.toLowerCase() ?? null;
    const u = await this.lookup(cmd, realm);
    // a user client reaches only itself, whether or not the other exists (as for a hex id on the face)
    if (cmd.actor.role === 'user' && u?.id !== cmd.actor.userId)
      throw new DomainError(ErrorCode.Forbidden, 'This action is unauthorized.');
    if (!u) throw DomainError.notFound('Account not found.');
    return sipAccountView(u, realm);
  }

  private async lookup(cmd: SipAccountFindCommand, realm: string | null): Promise<UserEntity | null> {
    if (cmd.sipId !== undefined) return this.users.findBySipId(cmd.tenantId, cmd.sipId);
    const parts = cmd.address === undefined ? null : splitAddress(cmd.address);
    // a SIP account is a user with a username, in the account's realm
    if (!parts || !realm || parts.host.toLowerCase() !== realm) return null;
    const [u] = await this.users.findByUsername([cmd.tenantId], parts.user.toLowerCase());
    return u ?? null;
  }
}
