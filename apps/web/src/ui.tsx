// Small shared pieces: the query helpers on the Kazoo API, an error line, a labelled field.
import type { ComponentChildren } from 'preact';
import { useMutation, useQuery, useQueryClient } from '@tanstack/preact-query';
import { useEffect, useState } from 'preact/hooks';
import { api } from './api';
import { t } from './strings';

/** A GET of the Kazoo API, cached under `key` (its first element is what events make stale). */
export function useKazoo<T>(key: unknown[], path: string | undefined, refetchMs?: number) {
  return useQuery({
    queryKey: key,
    queryFn: async () => (await api<T>('GET', path!)).data,
    enabled: Boolean(path),
    refetchInterval: refetchMs,
  });
}

/** A write of the Kazoo API; the caches under `stale` are refreshed after it. */
export function useWrite<V>(fn: (v: V) => Promise<unknown>, stale: string[]) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: () => Promise.all(stale.map((k) => qc.invalidateQueries({ queryKey: [k] }))),
  });
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {t.error}: {error instanceof Error ? error.message : String(error)}
    </p>
  );
}

export function Loading({ when }: { when: boolean }) {
  return when ? <p aria-live="polite">{t.loading}</p> : null;
}

let fieldIds = 0;

/** A labelled input; `children` replaces the input (a select, a textarea) and gets the id. */
export function Field(props: {
  label: string;
  value?: string;
  onInput?: (v: string) => void;
  type?: string;
  required?: boolean;
  autoComplete?: string;
  children?: (id: string) => ComponentChildren;
}) {
  const [id] = useState(() => `f${++fieldIds}`);
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.children ? (
        props.children(id)
      ) : (
        <input
          id={id}
          type={props.type ?? 'text'}
          value={props.value}
          required={props.required}
          autoComplete={props.autoComplete}
          onInput={(e) => props.onInput?.((e.target as HTMLInputElement).value)}
        />
      )}
    </div>
  );
}

/** A table with a caption (screen readers announce it) and a row per item. */
export function Table<T>(props: {
  caption: string;
  head: string[];
  rows: T[] | undefined;
  row: (item: T) => ComponentChildren;
  none?: string;
}) {
  if (props.rows && !props.rows.length) return <p>{props.none ?? t.none}</p>;
  return (
    <table>
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          {props.head.map((h) => (
            <th scope="col" key={h}>
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{props.rows?.map(props.row)}</tbody>
    </table>
  );
}

export interface BoxSummary {
  id: string;
  name: string;
  mailbox: string;
  owner_id?: string;
}

/** The boxes the session sees in `acct` and the one chosen (the first until another is picked). */
export function useBoxes(acct: string) {
  const boxes = useKazoo<BoxSummary[]>(['boxes', acct], `/accounts/${acct}/vmboxes?paginate=false`);
  const [boxId, setBoxId] = useState<string>();
  useEffect(() => {
    if (!boxId && boxes.data?.length) setBoxId(boxes.data[0].id);
  }, [boxes.data, boxId]);
  return { boxes, boxId, setBoxId };
}

/** A labelled select of boxes (`name (mailbox)`). */
export function BoxSelect(props: {
  label: string;
  boxes: BoxSummary[];
  value: string | undefined;
  onChange: (id: string) => void;
  empty?: boolean;
}) {
  return (
    <Field label={props.label}>
      {(id) => (
        <select
          id={id}
          value={props.value ?? ''}
          onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}
        >
          {props.empty && <option value="">—</option>}
          {props.boxes.map((b) => (
            <option key={b.id} value={b.id}>
              {b.name} ({b.mailbox})
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** Buttons as ARIA tabs; each carries `data-{name}` for tests and styles. */
export function Tabs<K extends string>(props: {
  label: string;
  name: string;
  keys: readonly K[];
  current: K;
  text: (k: K) => string;
  onSelect: (k: K) => void;
}) {
  return (
    <div role="tablist" aria-label={props.label} class="tabs">
      {props.keys.map((k) => (
        <button
          type="button"
          role="tab"
          key={k}
          aria-selected={k === props.current}
          {...{ [`data-${props.name}`]: k }}
          onClick={() => props.onSelect(k)}
        >
          {props.text(k)}
        </button>
      ))}
    </div>
  );
}
