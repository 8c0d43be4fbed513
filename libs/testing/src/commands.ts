// For tests calling services over NATS: what a refused command answered.
import { DomainError } from '@voxmail/contracts';

/** The DomainError the command `p` was refused with; throws when it succeeded or failed otherwise. */
export async function failure(p: Promise<unknown>): Promise<DomainError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw new Error(`expected a DomainError, got: ${String(e)}`);
  }
  throw new Error('expected the command to fail');
}
