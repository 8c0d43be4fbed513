// Small shared pieces: the query helpers on the Kazoo API, an error line, a labelled field.
import type { ComponentChildren } from 'preact';
import { useMutation, useQuery, useQueryClient } from '@tanstack/preact-query';
import { useState } from 'preact/hooks';
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
