// Greetings and box settings: listen to each greeting, upload a file or record one in the browser (the
// recording is decoded and sent as 16-bit mono WAV, which every upload route takes), change the PIN, the
// notification addresses, transcription and the time zone.
import { useRef, useState } from 'preact/hooks';
import { api, currentSession, isAdmin, mediaUrl, Session } from '../api';
import { t } from '../strings';
import { BoxSelect, ErrorNote, Field, Loading, useBoxes, useKazoo, useWrite } from '../ui';

interface Box {
  timezone?: string;
  transcribe?: boolean;
  notify_email_addresses?: string[];
}

interface Greeting {
  type: string;
  media_id?: string | null;
  duration_ms?: number;
}

const TYPES = ['unavailable', 'busy', 'name', 'temporary'];

export function Greetings({ session }: { session: Session }) {
  const acct = session.accountId;
  const { boxes, boxId, setBoxId } = useBoxes(acct);
  return (
    <div>
      <h1 tabIndex={-1}>{t.navGreetings}</h1>
      <Loading when={boxes.isLoading} />
      <ErrorNote error={boxes.error} />
      {boxes.data && <BoxSelect label={t.box} boxes={boxes.data} value={boxId} onChange={setBoxId} />}
      {boxId && (
        <BoxGreetings
          key={boxId}
          acct={acct}
          boxId={boxId}
          // an admin, or the box's owner (the platform lets a user change its own box's greetings)
          canChange={
            isAdmin(session) ||
            (!!session.userId && boxes.data?.find((b) => b.id === boxId)?.owner_id === session.userId)
          }
        />
      )}
      {boxId && <BoxSettings key={`s${boxId}`} acct={acct} boxId={boxId} />}
    </div>
  );
}

function BoxGreetings({ acct, boxId, canChange }: { acct: string; boxId: string; canChange: boolean }) {
  const path = `/accounts/${acct}/vmboxes/${boxId}/greetings`;
  const list = useKazoo<Greeting[]>(['greetings', boxId], path);
  const upload = useWrite(
    ({ type, body }: { type: string; body: Blob }) =>
      api('PUT', `${path}/${type}`, undefined, {
        body,
        headers: { 'Content-Type': body.type || 'application/octet-stream' },
      }),
    ['greetings'],
  );
  return (
    <section aria-labelledby="greetings-h">
      <h2 id="greetings-h">{t.greetings}</h2>
      <ErrorNote error={list.error ?? upload.error} />
      {upload.isSuccess && <p role="status">{t.uploaded}</p>}
      {!canChange && <p class="hint">{t.greetingsByAdmin}</p>}
      <ul class="greetings">
        {TYPES.map((type) => {
          const g = list.data?.find((x) => x.type === type && x.media_id);
          return (
            <li key={type} data-greeting={type}>
              <h3>{t.greetingType[type]}</h3>
              {g?.media_id ? (
                <audio
                  controls
                  preload="none"
                  aria-label={t.greetingType[type]}
                  src={mediaUrl(`/accounts/${acct}/media/${g.media_id}/raw`)}
                />
              ) : (
                <p>{t.greetingMissing}</p>
              )}
              {canChange && (
                <>
                  <Field label={t.uploadFor(t.greetingType[type])}>
                    {(id) => (
                      <input
                        id={id}
                        type="file"
                        accept="audio/*"
                        onChange={(e) => {
                          const f = (e.target as HTMLInputElement).files?.[0];
                          if (f) upload.mutate({ type, body: f });
                        }}
                      />
                    )}
                  </Field>
                  <Recorder onDone={(body) => upload.mutate({ type, body })} />
                </>
              )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** Records from the microphone with MediaRecorder and hands over the recording as WAV. */
function Recorder({ onDone }: { onDone: (wav: Blob) => void }) {
  const [rec, setRec] = useState<MediaRecorder>();
  const [error, setError] = useState<unknown>();
  const chunks = useRef<Blob[]>([]);
  const start = async () => {
    setError(undefined);
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      const r = new MediaRecorder(stream);
      chunks.current = [];
      r.ondataavailable = (e) => chunks.current.push(e.data);
      r.onstop = () => {
        stream.getTracks().forEach((tr) => tr.stop());
        void toWav(new Blob(chunks.current, { type: r.mimeType })).then(onDone, setError);
      };
      r.start();
      setRec(r);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div class="row">
      {rec ? (
        <button type="button" onClick={() => (rec.stop(), setRec(undefined))}>
          {t.stopRecording}
        </button>
      ) : (
        <button type="button" onClick={() => void start()}>
          {t.record}
        </button>
      )}
      {rec && <span role="status">{t.recording}</span>}
      <ErrorNote error={error} />
    </div>
  );
}

/** Decodes what MediaRecorder made (WebM/Opus in Chromium) and writes 16 kHz mono 16-bit PCM WAV. */
async function toWav(recording: Blob): Promise<Blob> {
  const rate = 16000;
  const decoded = await new AudioContext().decodeAudioData(await recording.arrayBuffer());
  const offline = new OfflineAudioContext(1, Math.max(1, Math.ceil(decoded.duration * rate)), rate);
  const src = offline.createBufferSource();
  src.buffer = decoded;
  src.connect(offline.destination);
  src.start();
  const pcm = (await offline.startRendering()).getChannelData(0);
  const out = new DataView(new ArrayBuffer(44 + pcm.length * 2));
  const ascii = (at: number, s: string) => [...s].forEach((c, i) => out.setUint8(at + i, c.charCodeAt(0)));
  ascii(0, 'RIFF');
  out.setUint32(4, 36 + pcm.length * 2, true);
  ascii(8, 'WAVEfmt ');
  out.setUint32(16, 16, true);
  out.setUint16(20, 1, true); // PCM
  out.setUint16(22, 1, true); // mono
  out.setUint32(24, rate, true);
  out.setUint32(28, rate * 2, true);
  out.setUint16(32, 2, true);
  out.setUint16(34, 16, true);
  ascii(36, 'data');
  out.setUint32(40, pcm.length * 2, true);
  pcm.forEach((v, i) => out.setInt16(44 + i * 2, Math.max(-1, Math.min(1, v)) * 0x7fff, true));
  return new Blob([out.buffer], { type: 'audio/wav' });
}

function BoxSettings({ acct, boxId }: { acct: string; boxId: string }) {
  const path = `/accounts/${acct}/vmboxes/${boxId}`;
  const box = useKazoo<Box>(['boxes', acct, boxId], path);
  const [pin, setPin] = useState('');
  const [emails, setEmails] = useState<string>();
  const [transcribe, setTranscribe] = useState<boolean>();
  const [timezone, setTimezone] = useState<string>();
  const save = useWrite(
    () =>
      api('PATCH', path, {
        ...(pin ? { pin } : {}),
        ...(emails !== undefined
          ? {
              notify_email_addresses: emails
                .split(/[\s,]+/)
                .map((s) => s.trim())
                .filter(Boolean),
            }
          : {}),
        ...(transcribe !== undefined ? { transcribe } : {}),
        ...(timezone ? { timezone } : {}),
      }),
    ['boxes'],
  );
  if (!box.data) return <ErrorNote error={box.error} />;
  const b = box.data;
  return (
    <section aria-labelledby="settings-h">
      <h2 id="settings-h">{t.settings}</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(undefined, { onSuccess: () => setPin('') });
        }}
      >
        <Field label={t.pin} type="password" value={pin} onInput={setPin} autoComplete="new-password" />
        <Field label={t.notifyEmails}>
          {(id) => (
            <textarea
              id={id}
              rows={3}
              value={emails ?? (b.notify_email_addresses ?? []).join('\n')}
              onInput={(e) => setEmails((e.target as HTMLTextAreaElement).value)}
            />
          )}
        </Field>
        <Field label={t.timezone} value={timezone ?? b.timezone ?? ''} onInput={setTimezone} />
        <label class="inline">
          <input
            type="checkbox"
            checked={transcribe ?? b.transcribe ?? false}
            onChange={(e) => setTranscribe((e.target as HTMLInputElement).checked)}
          />
          {t.transcribe}
        </label>
        <ErrorNote error={save.error} />
        {save.isSuccess && <p role="status">{t.saved}</p>}
        <button type="submit" disabled={!currentSession() || save.isPending}>
          {t.save}
        </button>
      </form>
    </section>
  );
}
