// Broadcasts (admins): start one from a prompt and a list of numbers, watch its calls by state live (a
// chart, and the same counts as a table), cancel it.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { api, Session } from '../api';
import { useEventStream } from '../events';
import { t } from '../strings';
import { ErrorNote, Field, Table, useKazoo, useWrite } from '../ui';
import { AccountPicker } from './console';

interface Broadcast {
  id: string;
  app_id: string;
  file_id: string;
  state: string;
  created_at: string;
  counts: Record<string, number>;
  total: number;
}

const STATES = [
  'queued',
  'dialing',
  'ringing',
  'answered',
  'completed',
  'busy',
  'no_answer',
  'failed',
  'cancelled',
];
const COLORS = ['#888', '#c80', '#a60', '#06c', '#080', '#a0a', '#555', '#c00', '#333'];
const FINAL = ['completed', 'cancelled'];

export function Broadcasts({ session }: { session: Session }) {
  const [acct, setAcct] = useState(session.accountId);
  const list = useKazoo<Broadcast[]>(['broadcasts', acct], `/accounts/${acct}/broadcasts`);
  const [shown, setShown] = useState<string>();
  useEventStream(acct);
  return (
    <div>
      <h1 tabIndex={-1}>{t.broadcasts}</h1>
      <AccountPicker session={session} value={acct} onChange={setAcct} />
      <StartForm key={acct} acct={acct} onStarted={setShown} />
      {shown && <Progress key={shown} acct={acct} id={shown} />}
      <section>
        <h2>{t.broadcasts}</h2>
        <ErrorNote error={list.error} />
        <Table
          caption={t.broadcasts}
          head={[t.id, t.state, t.total, t.created, t.actions]}
          rows={list.data}
          row={(b) => (
            <tr key={b.id}>
              <td>
                <code>{b.id}</code>
              </td>
              <td>{b.state}</td>
              <td>{b.total}</td>
              <td>{b.created_at}</td>
              <td>
                <button type="button" onClick={() => setShown(b.id)} aria-label={`${t.progress}: ${b.id}`}>
                  {t.progress}
                </button>
              </td>
            </tr>
          )}
        />
      </section>
    </div>
  );
}

function StartForm({ acct, onStarted }: { acct: string; onStarted: (id: string) => void }) {
  const apps = useKazoo<{ id: string }[]>(['broadcasts', acct, 'apps'], `/accounts/${acct}/broadcast_apps`);
  const media = useKazoo<{ id: string; name: string; kind?: string }[]>(
    ['media', acct],
    `/accounts/${acct}/media?paginate=false`,
  );
  const prompts = media.data?.filter((m) => m.kind !== 'greeting');
  const [appId, setAppId] = useState('');
  const [fileId, setFileId] = useState('');
  const [file, setFile] = useState<File>();
  const [callees, setCallees] = useState('');
  const start = useWrite(async () => {
    let prompt = fileId || prompts?.[0]?.id || '';
    if (file) {
      const doc = await api<{ id: string }>('PUT', `/accounts/${acct}/media`, {
        name: file.name,
        kind: 'prompt',
      });
      await api('PUT', `/accounts/${acct}/media/${doc.data.id}/raw`, undefined, {
        body: file,
        headers: { 'Content-Type': file.type || 'application/octet-stream' },
      });
      prompt = doc.data.id;
    }
    const r = await api<{ id: string }>('PUT', `/accounts/${acct}/broadcasts`, {
      app_id: appId || apps.data?.[0]?.id,
      file_id: prompt,
      callees: callees.split(/[\s,;]+/).filter(Boolean),
    });
    onStarted(r.data.id);
  }, ['broadcasts', 'media']);
  if (apps.data && !apps.data.length) return <p>{t.noApps}</p>;
  return (
    <form
      class="create"
      aria-label={t.newBroadcast}
      onSubmit={(e) => {
        e.preventDefault();
        start.mutate(undefined);
      }}
    >
      <h2>{t.newBroadcast}</h2>
      <Field label={t.app}>
        {(id) => (
          <select id={id} value={appId} onChange={(e) => setAppId((e.target as HTMLSelectElement).value)}>
            {apps.data?.map((a) => (
              <option key={a.id} value={a.id}>
                {a.id}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t.prompt}>
        {(id) => (
          <select id={id} value={fileId} onChange={(e) => setFileId((e.target as HTMLSelectElement).value)}>
            {prompts?.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label={t.promptFile}>
        {(id) => (
          <input
            id={id}
            type="file"
            accept="audio/*"
            onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0])}
          />
        )}
      </Field>
      <Field label={t.callees}>
        {(id) => (
          <textarea
            id={id}
            rows={4}
            required
            value={callees}
            onInput={(e) => setCallees((e.target as HTMLTextAreaElement).value)}
          />
        )}
      </Field>
      <ErrorNote error={start.error} />
      <button type="submit" disabled={start.isPending}>
        {t.start}
      </button>
    </form>
  );
}

function Progress({ acct, id }: { acct: string; id: string }) {
  const path = `/accounts/${acct}/broadcasts/${id}`;
  const [done, setDone] = useState(false);
  // the stream refreshes it on every call change; a poll keeps it moving should the stream be down
  const b = useKazoo<Broadcast>(['broadcasts', acct, id], path, done ? undefined : 1000);
  const cancel = useWrite(() => api('POST', `${path}/cancel`), ['broadcasts']);
  const chart = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot>();
  const history = useRef<number[][]>([[], ...STATES.map(() => [])]);

  useEffect(() => {
    plot.current = new uPlot(
      {
        width: Math.min(640, chart.current!.clientWidth || 640),
        height: 220,
        series: [{}, ...STATES.map((s, i) => ({ label: s, stroke: COLORS[i], width: 2 }))],
        axes: [{}, { label: t.calls }],
      },
      history.current as uPlot.AlignedData,
      chart.current!,
    );
    return () => plot.current?.destroy();
  }, []);

  useEffect(() => {
    if (!b.data) return;
    const h = history.current;
    h[0].push(Date.now() / 1000);
    STATES.forEach((s, i) => h[i + 1].push(b.data.counts[s] ?? 0));
    plot.current?.setData(h as uPlot.AlignedData);
    if (FINAL.includes(b.data.state)) setDone(true);
  }, [b.dataUpdatedAt]);

  return (
    <section aria-labelledby="progress-h" class="progress">
      <h2 id="progress-h">
        {t.progress}: <code>{id}</code>
      </h2>
      <p aria-live="polite" data-state={b.data?.state}>
        {t.state}: {b.data?.state ?? '…'} · {t.total}: {b.data?.total ?? '…'}
      </p>
      <div ref={chart} role="img" aria-label={t.chartLabel(id)} />
      <Table
        caption={t.countsTable}
        head={STATES}
        rows={b.data ? [b.data] : undefined}
        row={(x) => (
          <tr key="counts">
            {STATES.map((s) => (
              <td key={s} data-count={s}>
                {x.counts[s] ?? 0}
              </td>
            ))}
          </tr>
        )}
      />
      <ErrorNote error={b.error ?? cancel.error} />
      {!done && (
        <button type="button" onClick={() => cancel.mutate(undefined)}>
          {t.cancelBroadcast}
        </button>
      )}
    </section>
  );
}
