// Where a broadcast's prompt (the Onbuka `fileId`) comes from: the one place to switch to the Kazoo media
// API when it lands. Today the dialer knows no prompt store, so every file id is taken as given and its
// length as unknown (the simulated carrier then plays its configured talk time).
import { Injectable } from '@nestjs/common';

@Injectable()
export class PromptLibrary {
  async exists(_tenantId: string, fileId: string): Promise<boolean> {
    return fileId.length > 0;
  }

  /** The prompt's length in milliseconds, when known. */
  async durationMs(_tenantId: string, _fileId: string): Promise<number | null> {
    return null;
  }
}
