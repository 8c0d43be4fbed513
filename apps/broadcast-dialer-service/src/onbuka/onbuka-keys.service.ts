// Onbuka key pairs: `Sign = md5(Api-Key + ApiSecret + Timestamp)` needs the secret in clear, so it is kept
// encrypted (never hashed) and compared in constant time; a timestamp off by more than the skew is -16,
// a wrong sign -1. A triple seen before is not refused: the Sign covers no body, so every request of a key
// in one second shares it; the gateway makes a sendGroup idempotent on (triple, body) instead. A key is
// either an imported Onbuka pair (held here) or an API client of the account created with `onbuka: true`
// (its client_id as Api-Key, its client_secret as ApiSecret): mailbox-service holds that secret and
// checks its Sign; the clock is checked here for both.
import { Inject, Injectable, Logger } from '@nestjs/common';
import { NatsConnection } from 'nats';
import {
  Actor,
  Commands,
  DomainError,
  ErrorCode,
  ImportOnbukaKeyCommand,
  OnbukaAuthCommand,
  OnbukaCode,
  onbukaSignMatches,
  isHexId,
} from '@voxmail/contracts';
import { CommandClient, NATS_CONNECTION } from '@voxmail/messaging';
import { SecretBox } from '../secret-box';
import { DIALER_SETTINGS, DialerSettings } from '../settings';
import { OnbukaKeysRepository } from './onbuka-keys.repository';

const refused = (code: string, reason: string) =>
  new DomainError(ErrorCode.Unauthenticated, reason, { onbuka_status: code });

@Injectable()
export class OnbukaKeysService {
  private readonly log = new Logger(OnbukaKeysService.name);
  private readonly box: SecretBox;
  private readonly mailbox: CommandClient;

  constructor(
    private readonly keys: OnbukaKeysRepository,
    @Inject(DIALER_SETTINGS) private readonly settings: DialerSettings,
    @Inject(NATS_CONNECTION) nc: NatsConnection,
  ) {
    this.box = new SecretBox(settings.secret);
    this.mailbox = new CommandClient(nc, settings.commandTimeoutMs);
  }

  async importKey(cmd: ImportOnbukaKeyCommand): Promise<{ api_key: string; account_id: string }> {
    if (cmd.actor.role !== 'operator')
      throw new DomainError(ErrorCode.Forbidden, 'only the operator may import Onbuka key pairs');
    // 32 lowercase hex characters are an API client's id: the two kinds of key never collide
    if (isHexId(cmd.apiKey))
      throw new DomainError(ErrorCode.ValidationFailed, 'invalid data', {
        api_key: { pattern: { message: 'api_key must not look like an API client id (32 hex characters)' } },
      });
    const stored = await this.keys.put(cmd.apiKey, cmd.tenantId, this.box.encrypt(cmd.apiSecret));
    // an Api-Key already bound to another tenant is not moved (nor is its existence confirmed)
    if (!stored) throw new DomainError(ErrorCode.Conflict, 'this Api-Key cannot be imported');
    return { api_key: cmd.apiKey, account_id: cmd.tenantId };
  }

  async authenticate(cmd: OnbukaAuthCommand): Promise<Actor> {
    const nowS = Math.floor(this.settings.clock() / 1000);
    const ts = Number(cmd.timestamp);
    if (!Number.isSafeInteger(ts) || Math.abs(nowS - ts) > this.settings.skewSeconds)
      throw refused(OnbukaCode.TimestampExpired, 'timestamp expired');
    return this.verifySign(cmd);
  }

  /** Whose key this is, if the Sign is right: an imported pair here, else an API client in mailbox-service. */
  private async verifySign(cmd: OnbukaAuthCommand): Promise<Actor> {
    const key = await this.keys.find(cmd.apiKey);
    if (!key && isHexId(cmd.apiKey))
      return this.mailbox
        .send(Commands.AuthOnbukaSign, { apiKey: cmd.apiKey, timestamp: cmd.timestamp, sign: cmd.sign })
        .catch((e: unknown) => {
          if (e instanceof DomainError && e.code === ErrorCode.Unauthenticated)
            throw refused(OnbukaCode.AuthError, 'authentication error');
          throw e;
        });
    // an unknown key costs the same md5 as a known one, so timing does not tell them apart
    const secret = key ? this.box.decrypt(key.secret_enc) : undefined;
    if (!key || !onbukaSignMatches(cmd.apiKey, secret, cmd.timestamp, cmd.sign))
      throw refused(OnbukaCode.AuthError, 'authentication error');
    return { accountId: key.tenant_id, role: 'admin' };
  }
}
