// What the transcription e2e starts beside the stack (besides libs/testing's SmtpRecorder): a server
// speaking OpenAI's POST /v1/audio/transcriptions that answers a fixed text (an account's `openai` engine)
// and records the requests' fields.
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ParsedMail } from 'mailparser';

/** The message an e-mail is about. */
export const mailAbout = (m: ParsedMail, id: string | undefined) =>
  m.headers.get('x-voxmail-message-id') === id;

export interface FakeWhisper {
  url: string;
  /** The text fields of each request (model, language, response_format) and the file's size. */
  requests: Record<string, string>[];
  /** Holds the next request's answer until `release()`; `received` resolves when that request came. */
  hold(): { received: Promise<void>; release(): void };
  close(): Promise<void>;
}

/** Answers every transcription request with `text` (verbose_json). */
export async function startFakeWhisper(text: string): Promise<FakeWhisper> {
  const requests: Record<string, string>[] = [];
  let held: { arrived(): void; released: Promise<void> } | undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('latin1');
      const fields: Record<string, string> = { path: req.url ?? '', auth: req.headers.authorization ?? '' };
      for (const m of body.matchAll(/name="([a-z_]+)"(?:; filename="[^"]*")?\r\n(?:[^\r\n]+\r\n)*\r\n/g)) {
        const start = m.index + m[0].length;
        fields[m[1]] = m[1] === 'file' ? 'audio' : body.slice(start, body.indexOf('\r\n', start));
      }
      requests.push(fields);
      const gate = held;
      held = undefined;
      gate?.arrived();
      void (gate?.released ?? Promise.resolve()).then(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ text, language: 'french', segments: [{ avg_logprob: -0.1 }] }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    hold() {
      let arrived!: () => void;
      let release!: () => void;
      const received = new Promise<void>((r) => (arrived = r));
      held = { arrived, released: new Promise<void>((r) => (release = r)) };
      return { received, release };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
