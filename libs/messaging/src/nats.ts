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

/** NATS_URL's servers: one URL or a comma-separated list (every node of a cluster). */
export function natsServers(url: string): string[] {
  return url
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
}

export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect({ servers: natsServers(url), name, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
}

export const STREAM_LIMITS = {
  duplicateWindowMs: 2 * 60 * 1000,
  maxAgeMs: 14 * 24 * 3600 * 1000,
  maxBytes: 8 * 1024 * 1024 * 1024,
};

export interface EventStreamOptions {
  /** Copies JetStream keeps of every event (NATS_STREAM_REPLICAS): 1, or 3 on a 3-node cluster. */
  replicas?: number;
}

/**
 * Creates VOXMAIL_EVENTS or brings its settings up to date (limits and replicas: a stream created with
 * one replica gets three when NATS_STREAM_REPLICAS says 3); safe to call from every replica.
 */
export async function ensureEventStream(jsm: JetStreamManager, o: EventStreamOptions = {}): Promise<void> {
  const replicas = o.replicas ?? 1;
  const config = {
    name: STREAM_NAME,
    subjects: [`${EVENT_SUBJECT_PREFIX}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(STREAM_LIMITS.duplicateWindowMs),
    max_age: nanos(STREAM_LIMITS.maxAgeMs),
    max_bytes: STREAM_LIMITS.maxBytes,
    num_replicas: replicas,
  };
  try {
    const info = await jsm.streams.info(STREAM_NAME);
    const c = info.config;
    if (
      c.duplicate_window !== config.duplicate_window ||
      c.max_age !== config.max_age ||
      c.max_bytes !== config.max_bytes ||
      c.num_replicas !== config.num_replicas
    ) {
      await jsm.streams.update(STREAM_NAME, {
        duplicate_window: config.duplicate_window,
        max_age: config.max_age,
        max_bytes: config.max_bytes,
        num_replicas: config.num_replicas,
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

/** Sets an existing stream's replica count (e.g. a KV bucket's `KV_<name>`) when it differs. */
export async function ensureStreamReplicas(
  jsm: JetStreamManager,
  stream: string,
  replicas: number,
): Promise<void> {
  const info = await jsm.streams.info(stream);
  if (info.config.num_replicas !== replicas) await jsm.streams.update(stream, { num_replicas: replicas });
}
