// NATS connection and the JetStream stream every event goes to.
import {
  connect,
  JetStreamManager,
  NatsConnection,
  RetentionPolicy,
  StorageType,
  DiscardPolicy,
  nanos,
} from 'nats';
import { EVENT_SUBJECT_PREFIX, STREAM_NAME } from '@voxmail/contracts';

export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
}

export const STREAM_LIMITS = {
  duplicateWindowMs: 2 * 60 * 1000,
  maxAgeMs: 14 * 24 * 3600 * 1000,
  maxBytes: 8 * 1024 * 1024 * 1024,
};

/** Creates VOXMAIL_EVENTS or brings its settings up to date; safe to call from every replica. */
export async function ensureEventStream(jsm: JetStreamManager): Promise<void> {
  const config = {
    name: STREAM_NAME,
    subjects: [`${EVENT_SUBJECT_PREFIX}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(STREAM_LIMITS.duplicateWindowMs),
    max_age: nanos(STREAM_LIMITS.maxAgeMs),
    max_bytes: STREAM_LIMITS.maxBytes,
    num_replicas: 1,
  };
  try {
    const info = await jsm.streams.info(STREAM_NAME);
    const c = info.config;
    if (
      c.duplicate_window !== config.duplicate_window ||
      c.max_age !== config.max_age ||
      c.max_bytes !== config.max_bytes
    ) {
      await jsm.streams.update(STREAM_NAME, {
        duplicate_window: config.duplicate_window,
        max_age: config.max_age,
        max_bytes: config.max_bytes,
      });
    }
  } catch (e) {
    if (!String((e as Error).message).includes('stream not found')) throw e;
    try {
      await jsm.streams.add(config);
    } catch (err) {
      // another replica created it first
      if (!String((err as Error).message).includes('already in use')) throw err;
    }
  }
}
