// Helpers of the broadcast suites: a prompt of an account, uploaded through the Kazoo media API as a
// client would (a sendGroup `fileId` names a prompt by its media id or its name).
import { Stack, Tenant, wavFile } from '@voxmail/testing';

export async function uploadPrompt(stack: Stack, t: Tenant, name: string, seconds = 1): Promise<string> {
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
      raw: wavFile(seconds),
    });
    if (raw.status === 200 || raw.status === 201) break;
    if (raw.status !== 503 || attempt >= 5) throw new Error(`prompt audio: ${raw.status} ${raw.text}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
  return id;
}
