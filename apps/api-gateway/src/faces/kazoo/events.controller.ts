// Kazoo face: the account's domain events, live, as Server-Sent Events (the web app and integrators;
// Kazoo's blackhole does the same over a WebSocket). Authorized as the REST routes are; see EventStreams.
import { Get, Headers, HttpCode, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Actor } from '@voxmail/contracts';
import { EventStreams } from '../../application/event-streams';
import { ResponseContent } from '../../common/openapi-meta';
import type { GatewayRequest } from '../../common/request';
import { KazooController } from './kazoo.controller';
import { AccountId, CurrentActor } from './params';
import { invalid } from './request';

/** `Last-Event-ID` (EventSource sends it when it reconnects) or `?last_event_id=`: a stream sequence. */
function lastEventIdOf(header: unknown, query: unknown): number | undefined {
  const raw = typeof header === 'string' && header ? header : typeof query === 'string' ? query : undefined;
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw.trim()))
    throw invalid(
      'Last-Event-ID',
      'type',
      'Last-Event-ID must be the id (a number) of an event of this stream',
    );
  return Number(raw.trim());
}

const EVENT_STREAM_DESCRIPTION =
  'Server-Sent Events: for each event `id: <JetStream sequence>`, `event: <type>` (e.g. `message.created`), ' +
  '`data: <the event envelope as the AsyncAPI document describes it>`; a `: keep-alive` comment every 15 s; ' +
  '`event: reset` when the events after Last-Event-ID are no longer kept; `event: end` (`{"reason"}`) before ' +
  'the server closes it. An admin sees every event of the account, a user those of its boxes.';

@KazooController('accounts/:accountId/events', { envelope: false })
export class EventsController {
  constructor(private readonly streams: EventStreams) {}

  @Get('stream')
  @HttpCode(200)
  @ResponseContent({
    contentType: 'text/event-stream',
    description: EVENT_STREAM_DESCRIPTION,
    schema: { type: 'string' },
  })
  async stream(
    @Req() req: GatewayRequest,
    @Res() reply: FastifyReply,
    @AccountId() tenantId: string,
    @CurrentActor() actor: Actor,
    @Headers('Last-Event-ID') lastEventHeader?: string,
    @Query('last_event_id') lastEventQuery?: string,
  ): Promise<void> {
    const lastEventId = lastEventIdOf(lastEventHeader, lastEventQuery);
    const opening = { actor, token: req.authToken!, tenantId, lastEventId };
    await this.streams.serve(opening, reply.raw, () => {
      reply.hijack();
      const headers: Record<string, string> = {};
      // what the hooks set so far (CORS); onSend hooks do not run for a hijacked reply
      for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = String(v);
      reply.raw.writeHead(200, {
        ...headers,
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        // proxies (nginx) pass each event on at once
        'X-Accel-Buffering': 'no',
        'X-Request-Id': String(req.id),
      });
      // the status line and headers go out now, before the first event
      reply.raw.flushHeaders?.();
    });
  }
}
