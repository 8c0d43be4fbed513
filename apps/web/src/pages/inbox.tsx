// The inbox: the boxes the person sees (a user its own, an admin the account's), folders with counts,
// messages with caller, time in the box's time zone, duration and transcription; the player; folder
// changes, delete and undelete, move, downloads; search; new messages live from the event stream.
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, download, fromGregorian, mediaUrl, Session } from '../api';
import { useEventStream } from '../events';
import { Player, PlayerHandle } from '../player';
import { formatDuration, formatTime, t } from '../strings';
import { BoxSelect, BoxSummary, ErrorNote, Field, Loading, Tabs, useBoxes, useKazoo, useWrite } from '../ui';

interface Box extends BoxSummary {
  timezone?: string;
}

export interface Message {
  media_id: string;
  folder: string;
  timestamp: number;
  from?: string;
  caller_id_name?: string;
  caller_id_number?: string;
  length?: number;
  transcription?: { result?: string; text?: string };
}

const FOLDERS = ['new', 'saved', 'deleted'] as const;
type Folder = (typeof FOLDERS)[number];

const callerOf = (m: Message) =>
  [m.caller_id_name, m.caller_id_number].filter(Boolean).join(' ') || m.from || t.unknownCaller;

export function Inbox({ session }: { session: Session }) {
  const acct = session.accountId;
  const { boxes, boxId, setBoxId } = useBoxes(acct);
  const [announce, setAnnounce] = useState('');
  const live = useEventStream(acct, (e) => {
    if (e.type === 'message.created')
      setAnnounce(`${t.newMessageArrived} (${new Date().toLocaleTimeString()})`);
  });
  const box = boxes.data?.find((b) => b.id === boxId);

  return (
    <div class="inbox">
      <h1 tabIndex={-1}>{t.navInbox}</h1>
      <p class="live" aria-live="polite">
        <span class={live ? 'dot on' : 'dot'} aria-hidden="true" /> {t.live(live)}{' '}
        {announce && `· ${announce}`}
      </p>
      <Loading when={boxes.isLoading} />
      <ErrorNote error={boxes.error} />
      {boxes.data && <BoxSelect label={t.box} boxes={boxes.data} value={boxId} onChange={setBoxId} />}
      {boxes.data && !boxes.data.length && <p>{t.none}</p>}
      {box && <BoxMessages key={box.id} acct={acct} box={box} boxes={boxes.data ?? []} />}
    </div>
  );
}

function BoxMessages({ acct, box, boxes }: { acct: string; box: Box; boxes: Box[] }) {
  const base = `/accounts/${acct}/vmboxes/${box.id}/messages`;
  const detail = useKazoo<Box>(['boxes', acct, box.id], `/accounts/${acct}/vmboxes/${box.id}`);
  const tz = detail.data?.timezone;
  const [folder, setFolder] = useState<Folder>('new');
  const [query, setQuery] = useState('');
  const [search, setSearch] = useState('');
  const lists = {
    new: useKazoo<Message[]>(['messages', box.id, 'new'], `${base}?folder=new&paginate=false`),
    saved: useKazoo<Message[]>(['messages', box.id, 'saved'], `${base}?folder=saved&paginate=false`),
    deleted: useKazoo<Message[]>(['messages', box.id, 'deleted'], `${base}?folder=deleted&paginate=false`),
  };
  const found = useKazoo<Message[]>(
    ['messages', box.id, 'q', search],
    search ? `${base}?q=${encodeURIComponent(search)}` : undefined,
  );
  const shown = search ? found : lists[folder];
  const items = shown.data ?? [];
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [cursor, setCursor] = useState(0);
  const [playing, setPlaying] = useState<Message>();
  const [moveTo, setMoveTo] = useState('');
  const player = useRef<PlayerHandle>(null);
  const rows = useRef<HTMLTableSectionElement>(null);

  const write = useWrite((f: () => Promise<unknown>) => f(), ['messages', 'boxes']);
  const run = (f: () => Promise<unknown>) => write.mutate(f);
  const setFolderOf = (m: Message, to: Folder) =>
    run(() => api('POST', `${base}/${m.media_id}`, { folder: to }));
  const remove = (m: Message) => run(() => api('DELETE', `${base}/${m.media_id}`));
  const moveSelected = () =>
    run(async () => {
      for (const id of selected) await api('POST', `${base}/${id}`, { source_id: moveTo });
      setSelected(new Set());
    });
  const zip = async () => {
    try {
      const blob = await download(`${base}/raw`, { messages: [...selected] }, 'application/zip');
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `voicemail-${box.mailbox}.zip`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
    } catch (e) {
      write.reset();
      alert(String(e));
    }
  };

  // keyboard shortcuts over the list (not while typing in a field)
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement;
      if (/^(INPUT|TEXTAREA|SELECT|AUDIO)$/.test(el.tagName) || e.ctrlKey || e.metaKey || e.altKey) return;
      const m = items[cursor];
      const focusRow = (i: number) => {
        setCursor(i);
        rows.current?.querySelectorAll<HTMLElement>('tr')[i]?.focus();
      };
      if (e.key === 'j') focusRow(Math.min(items.length - 1, cursor + 1));
      else if (e.key === 'k') focusRow(Math.max(0, cursor - 1));
      else if ((e.key === 'Enter' || e.key === ' ') && el.tagName === 'TR' && m) {
        if (playing?.media_id === m.media_id) player.current?.toggle();
        else setPlaying(m);
      } else if (e.key === 'ArrowLeft' && playing) player.current?.seekBy(-5);
      else if (e.key === 'ArrowRight' && playing) player.current?.seekBy(5);
      else if (e.key === 's' && m) setFolderOf(m, 'saved');
      else if (e.key === 'n' && m) setFolderOf(m, 'new');
      else if ((e.key === 'Delete' || e.key === '#') && m) remove(m);
      else return;
      e.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  });

  const toggle = (id: string) => {
    const s = new Set(selected);
    if (s.has(id)) s.delete(id);
    else s.add(id);
    setSelected(s);
  };

  return (
    <section aria-labelledby="messages-h">
      <h2 id="messages-h">{t.messages}</h2>
      <p class="hint">{t.shortcuts}</p>
      <form
        role="search"
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(query.trim());
        }}
      >
        <Field label={t.search} type="search" value={query} onInput={setQuery} />
        <button type="submit">{t.searchButton}</button>
        {search && (
          <button type="button" onClick={() => (setQuery(''), setSearch(''))}>
            {t.clearSearch}
          </button>
        )}
      </form>
      {search ? (
        <p aria-live="polite">{t.searchResults(search, items.length)}</p>
      ) : (
        <Tabs
          label={t.folders}
          name="folder"
          keys={FOLDERS}
          current={folder}
          text={(f) => t.folderCount(t.folder[f], lists[f].data?.length ?? 0)}
          onSelect={(f) => (setFolder(f), setCursor(0), setSelected(new Set()))}
        />
      )}
      <div class="toolbar">
        <button type="button" disabled={!selected.size} onClick={() => void zip()}>
          {t.downloadZip}
        </button>
        <BoxSelect
          label={t.moveTo}
          boxes={boxes.filter((b) => b.id !== box.id)}
          value={moveTo}
          onChange={setMoveTo}
          empty
        />
        <button type="button" disabled={!selected.size || !moveTo} onClick={moveSelected}>
          {t.move}
        </button>
      </div>
      <ErrorNote error={shown.error ?? write.error} />
      <Loading when={shown.isLoading} />
      {playing && (
        <Player
          handle={player}
          caller={callerOf(playing)}
          url={mediaUrl(`${base}/${playing.media_id}/raw`)}
        />
      )}
      {items.length ? (
        <table class="messages">
          <caption>
            {t.messages}: {search ? search : t.folder[folder]}
          </caption>
          <thead>
            <tr>
              <th scope="col">{t.select}</th>
              <th scope="col">{t.caller}</th>
              <th scope="col">{t.received}</th>
              <th scope="col">{t.duration}</th>
              <th scope="col">{t.transcription}</th>
              <th scope="col">{t.actions}</th>
            </tr>
          </thead>
          <tbody ref={rows}>
            {items.map((m, i) => {
              const when = formatTime(fromGregorian(m.timestamp), tz);
              return (
                <tr
                  key={m.media_id}
                  tabIndex={i === cursor ? 0 : -1}
                  data-id={m.media_id}
                  aria-current={playing?.media_id === m.media_id ? 'true' : undefined}
                  onFocus={() => setCursor(i)}
                >
                  <td>
                    <input
                      type="checkbox"
                      aria-label={t.selectMessage(callerOf(m), when)}
                      checked={selected.has(m.media_id)}
                      onChange={() => toggle(m.media_id)}
                    />
                  </td>
                  <td>{callerOf(m)}</td>
                  <td>
                    <time dateTime={fromGregorian(m.timestamp).toISOString()}>{when}</time>
                  </td>
                  <td>{formatDuration(m.length)}</td>
                  <td class="tx">{m.transcription?.text ?? ''}</td>
                  <td class="actions">
                    <button type="button" onClick={() => setPlaying(m)}>
                      {t.play}
                    </button>
                    {m.folder === 'new' && (
                      <button type="button" onClick={() => setFolderOf(m, 'saved')}>
                        {t.markSaved}
                      </button>
                    )}
                    {m.folder === 'saved' && (
                      <button type="button" onClick={() => setFolderOf(m, 'new')}>
                        {t.markNew}
                      </button>
                    )}
                    {m.folder === 'deleted' ? (
                      <button type="button" onClick={() => setFolderOf(m, 'saved')}>
                        {t.undelete}
                      </button>
                    ) : (
                      <button type="button" onClick={() => remove(m)}>
                        {t.delete}
                      </button>
                    )}
                    <a href={mediaUrl(`${base}/${m.media_id}/raw`)} download>
                      {t.downloadOne}
                    </a>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : (
        !shown.isLoading && <p>{t.none}</p>
      )}
    </section>
  );
}
