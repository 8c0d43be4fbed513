// Live updates: the account's event stream (Server-Sent Events, `GET /v2/accounts/{id}/events/stream`),
// each event named by its type with the event envelope as data. An event refreshes the cached queries it
// touches; the browser's EventSource reconnects by itself and resumes with Last-Event-ID.
import { useQueryClient } from '@tanstack/preact-query';
import { useEffect, useState } from 'preact/hooks';
import { currentSession } from './api';

export interface EventEnvelope {
  id: string;
  type: string;
  tenantId: string;
  aggregateId: string;
  data: Record<string, unknown>;
}

/** Each event type the app listens to, and the query keys (their first element) it makes stale. */
const REFRESHES: Record<string, string[]> = {
  'message.created': ['messages', 'boxes'],
  'message.updated': ['messages', 'boxes'],
  'message.moved': ['messages', 'boxes'],
  'message.copied': ['messages', 'boxes'],
  'message.deleted': ['messages', 'boxes'],
  'message.media_stored': ['messages'],
  'message.transcribed': ['messages'],
  'mwi.updated': ['boxes'],
  'greeting.uploaded': ['greetings'],
  'greeting.deleted': ['greetings'],
  'broadcast.created': ['broadcasts'],
  'broadcast.started': ['broadcasts'],
  'broadcast.completed': ['broadcasts'],
  'broadcast.cancelled': ['broadcasts'],
  'broadcast.call.updated': ['broadcasts'],
  'webhook.disabled': ['webhooks'],
};

/**
 * Listens to `accountId`'s stream while mounted; `onEvent` sees every event after the caches were told.
 * Answers whether the stream is open.
 */
export function useEventStream(accountId: string, onEvent?: (e: EventEnvelope) => void): boolean {
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const token = currentSession()?.token;
  useEffect(() => {
    if (!token || typeof EventSource === 'undefined') return;
    const url = `/v2/accounts/${accountId}/events/stream?auth_token=${encodeURIComponent(token)}`;
    const source = new EventSource(url);
    source.onopen = () => setOpen(true);
    source.onerror = () => setOpen(source.readyState === EventSource.OPEN);
    for (const [type, keys] of Object.entries(REFRESHES)) {
      source.addEventListener(type, (m: MessageEvent<string>) => {
        for (const k of keys) void qc.invalidateQueries({ queryKey: [k] });
        try {
          onEvent?.(JSON.parse(m.data) as EventEnvelope);
        } catch {
          // a malformed event refreshes the caches all the same
        }
      });
    }
    // the events after the last one seen are no longer kept: everything may have changed
    source.addEventListener('reset', () => void qc.invalidateQueries());
    return () => {
      source.close();
      setOpen(false);
    };
    // the token changes when it is renewed: the stream reopens with the new one
  }, [accountId, token]);
  return open;
}
