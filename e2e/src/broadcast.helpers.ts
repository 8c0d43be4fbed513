// Helpers of the broadcast suites: a prompt of an account, uploaded through the Kazoo media API as a
// client would (a sendGroup `fileId` names a prompt by its media id or its name).
import { createHash } from 'node:crypto';
import { Stack, Tenant, wavFile } from '@voxmail/testing';

export const md5 = (s: string) => createHash('md5').update(s).digest('hex');

/** Polls `f` until `ok` holds or `ms` pass; answers the last value either way (the caller asserts). */
export async function waitFor<T>(
  f: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 15000,
  everyMs = 50,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function uploadPrompt(
  stack: Stack,
  t: Tenant,
  name: string,
  seconds = 1,
  sampleRate = 8000,
): Promise<string> {
  const doc = await stack.request('PUT', `/v2/accounts/${t.accountId}/media`, {
    token: t.token,
    body: { data: { name, kind: 'prompt' } },
  });
  if (doc.status !== 201) throw new Error(`prompt document: ${doc.status} ${doc.text}`);
  const id = doc.body.data.id as string;
  // a 503 with a retry hint (the object store busy on a loaded machine) is retried, as a client would
  for (let attempt = 1; ; attempt++) {
    const raw = await stack.request('PUT', `/v2/accounts/${t.accountId}/media/${id}/raw`, {
      token: t.token,
      headers: { 'Content-Type': 'audio/wav' },
      raw: wavFile(seconds, sampleRate),
    });
    if (raw.status === 200 || raw.status === 201) break;
    if (raw.status !== 503 || attempt >= 5) throw new Error(`prompt audio: ${raw.status} ${raw.text}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  return id;
}
