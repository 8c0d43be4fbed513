// What makes a controller part of the Kazoo face: its routes under /v2, its token guard, its error
// envelope and (for JSON answers) its success envelope, all at controller scope, so no other face's
// route ever passes through them.
import { applyDecorators, Controller, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { KazooAuthGuard } from './auth.guard';
import { KazooExceptionFilter } from './kazoo.filter';
import { KazooInterceptor } from './kazoo.interceptor';

export const KAZOO_PREFIX = 'v2';

export interface KazooControllerOptions {
  /** Routes that take no token (api_auth, user_auth...): they issue one. */
  public?: boolean;
  /** false for binary answers (audio, ZIP) written to the reply directly. */
  envelope?: boolean;
}

export function KazooController(path: string, opts: KazooControllerOptions = {}): ClassDecorator {
  return applyDecorators(
    Controller(path ? `${KAZOO_PREFIX}/${path}` : KAZOO_PREFIX),
    UseFilters(KazooExceptionFilter),
    ...(opts.public ? [] : [UseGuards(KazooAuthGuard)]),
    ...(opts.envelope === false ? [] : [UseInterceptors(KazooInterceptor)]),
  );
}
