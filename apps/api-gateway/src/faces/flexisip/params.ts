// Path parameters of the account manager face, checked by pipes: a slot id that is not a UUID is the
// face's own 404 ("Voicemail not found."), as for a slot that does not exist.
import { Injectable, Param, PipeTransform } from '@nestjs/common';
import { DomainError } from '@voxmail/contracts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A voicemail slot's UUID, lower-cased. */
@Injectable()
export class SlotUuidPipe implements PipeTransform<string, string> {
  transform(v: string): string {
    if (!UUID.test(v)) throw DomainError.notFound('Voicemail not found.');
    return v.toLowerCase();
  }
}

export const SlotUuid = () => Param('uuid', SlotUuidPipe);
