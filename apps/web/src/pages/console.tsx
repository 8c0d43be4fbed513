// The console (admins; the operator and resellers choose any account of their tree): accounts, users,
// boxes, API clients (the secret shown once), webhooks with their attempt log, usage and quotas.
import { useState } from 'preact/hooks';
import { api, Session } from '../api';
import { t } from '../strings';
import { ErrorNote, Field, Loading, Table, Tabs, useKazoo, useWrite } from '../ui';

interface Account {
  id: string;
  name: string;
  realm?: string;
}

const SECTIONS = ['accounts', 'users', 'boxes', 'clients', 'webhooks', 'usage'] as const;
type Section = (typeof SECTIONS)[number];
const SECTION_LABEL: Record<Section, string> = {
  accounts: t.accounts,
  users: t.users,
  boxes: t.boxes,
  clients: t.apiClients,
  webhooks: t.webhooks,
  usage: t.usage,
};

/** The signed-in account and, for the operator and resellers, every account below it. */
export function useAccountTree(session: Session) {
  const own = useKazoo<Account>(['accounts', session.accountId], `/accounts/${session.accountId}`);
  const below = useKazoo<Account[]>(
    ['accounts', session.accountId, 'descendants'],
    session.isReseller ? `/accounts/${session.accountId}/descendants?paginate=false` : undefined,
  );
  return [...(own.data ? [own.data] : []), ...(below.data ?? [])];
}

export function AccountPicker(props: { session: Session; value: string; onChange: (id: string) => void }) {
  const tree = useAccountTree(props.session);
  if (tree.length < 2) return null;
  return (
    <Field label={t.consoleAccount}>
      {(id) => (
        <select
          id={id}
          value={props.value}
          onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}
        >
          {tree.map((a) => (
            <option key={a.id} value={a.id}>
              {a.name}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function Console({ session }: { session: Session }) {
  const [acct, setAcct] = useState(session.accountId);
  const [section, setSection] = useState<Section>('accounts');
  return (
    <div>
      <h1 tabIndex={-1}>{t.navConsole}</h1>
      <AccountPicker session={session} value={acct} onChange={setAcct} />
      <Tabs
        label={t.navConsole}
        name="section"
        keys={SECTIONS}
        current={section}
        text={(s) => SECTION_LABEL[s]}
        onSelect={setSection}
      />
      <div role="tabpanel" aria-label={SECTION_LABEL[section]}>
        {section === 'accounts' && <Accounts acct={acct} session={session} />}
        {section === 'users' && <Users key={acct} acct={acct} />}
        {section === 'boxes' && <Boxes key={acct} acct={acct} />}
        {section === 'clients' && <Clients key={acct} acct={acct} />}
        {section === 'webhooks' && <Webhooks key={acct} acct={acct} />}
        {section === 'usage' && <Usage key={acct} acct={acct} />}
      </div>
    </div>
  );
}

/** A small create form: labelled fields, a submit button, the refusal when there is one. */
function CreateForm(props: {
  title: string;
  fields: { key: string; label: string; type?: string }[];
  submit: (v: Record<string, string>) => Promise<unknown>;
  stale: string[];
}) {
  const [values, setValues] = useState<Record<string, string>>({});
  const write = useWrite(props.submit, props.stale);
  return (
    <form
      class="create"
      aria-label={props.title}
      onSubmit={(e) => {
        e.preventDefault();
        write.mutate(values, { onSuccess: () => setValues({}) });
      }}
    >
      <h3>{props.title}</h3>
      {props.fields.map((f) => (
        <Field
          key={f.key}
          label={f.label}
          type={f.type}
          value={values[f.key] ?? ''}
          onInput={(v) => setValues({ ...values, [f.key]: v })}
        />
      ))}
      <ErrorNote error={write.error} />
      <button type="submit" disabled={write.isPending}>
        {t.create}
      </button>
    </form>
  );
}

function Accounts({ acct, session }: { acct: string; session: Session }) {
  const children = useKazoo<Account[]>(['accounts', acct, 'children'], `/accounts/${acct}/children`);
  return (
    <section>
      <h2>{t.accounts}</h2>
      <ErrorNote error={children.error} />
      <Table
        caption={t.accounts}
        head={[t.name, t.realm, t.id]}
        rows={children.data}
        row={(a) => (
          <tr key={a.id}>
            <td>{a.name}</td>
            <td>{a.realm}</td>
            <td>
              <code>{a.id}</code>
            </td>
          </tr>
        )}
      />
      {session.isReseller && (
        <CreateForm
          title={t.newAccount}
          fields={[{ key: 'name', label: t.name }]}
          submit={(v) => api('PUT', `/accounts/${acct}`, { name: v.name })}
          stale={['accounts']}
        />
      )}
    </section>
  );
}

interface User {
  id: string;
  username?: string;
  first_name: string;
  last_name: string;
  email?: string;
  priv_level: string;
}

function Users({ acct }: { acct: string }) {
  const users = useKazoo<User[]>(['users', acct], `/accounts/${acct}/users?paginate=false`);
  return (
    <section>
      <h2>{t.users}</h2>
      <Loading when={users.isLoading} />
      <ErrorNote error={users.error} />
      <Table
        caption={t.users}
        head={[t.username, t.firstName, t.lastName, t.email, t.privLevel]}
        rows={users.data}
        row={(u) => (
          <tr key={u.id}>
            <td>{u.username}</td>
            <td>{u.first_name}</td>
            <td>{u.last_name}</td>
            <td>{u.email}</td>
            <td>{u.priv_level}</td>
          </tr>
        )}
      />
      <CreateForm
        title={t.newUser}
        fields={[
          { key: 'username', label: t.username },
          { key: 'password', label: t.password, type: 'password' },
          { key: 'first_name', label: t.firstName },
          { key: 'last_name', label: t.lastName },
          { key: 'email', label: t.email, type: 'email' },
        ]}
        submit={(v) =>
          api('PUT', `/accounts/${acct}/users`, {
            ...Object.fromEntries(Object.entries(v).filter(([, x]) => x)),
            priv_level: 'user',
          })
        }
        stale={['users']}
      />
    </section>
  );
}

interface Box {
  id: string;
  name: string;
  mailbox: string;
  owner_id?: string;
  messages?: number;
}

function Boxes({ acct }: { acct: string }) {
  const boxes = useKazoo<Box[]>(['boxes', acct], `/accounts/${acct}/vmboxes?paginate=false`);
  return (
    <section>
      <h2>{t.boxes}</h2>
      <ErrorNote error={boxes.error} />
      <Table
        caption={t.boxes}
        head={[t.name, t.mailbox, t.owner, t.messages]}
        rows={boxes.data}
        row={(b) => (
          <tr key={b.id}>
            <td>{b.name}</td>
            <td>{b.mailbox}</td>
            <td>
              <code>{b.owner_id ?? ''}</code>
            </td>
            <td>{b.messages ?? 0}</td>
          </tr>
        )}
      />
      <CreateForm
        title={t.newBox}
        fields={[
          { key: 'name', label: t.name },
          { key: 'mailbox', label: t.mailbox },
          { key: 'owner_id', label: t.owner },
        ]}
        submit={(v) =>
          api('PUT', `/accounts/${acct}/vmboxes`, Object.fromEntries(Object.entries(v).filter(([, x]) => x)))
        }
        stale={['boxes']}
      />
    </section>
  );
}

interface Client {
  id: string;
  name: string;
  priv_level: string;
  client_id?: string;
  client_secret?: string;
}

function Clients({ acct }: { acct: string }) {
  const clients = useKazoo<Client[]>(['clients', acct], `/accounts/${acct}/api_clients`);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<Client>();
  const create = useWrite(async () => {
    const r = await api<Client>('PUT', `/accounts/${acct}/api_clients`, { name, priv_level: 'admin' });
    setCreated(r.data);
    setName('');
  }, ['clients']);
  const remove = useWrite((id: string) => api('DELETE', `/accounts/${acct}/api_clients/${id}`), ['clients']);
  return (
    <section>
      <h2>{t.apiClients}</h2>
      <ErrorNote error={clients.error ?? remove.error} />
      <Table
        caption={t.apiClients}
        head={[t.name, t.privLevel, t.clientId, t.actions]}
        rows={clients.data}
        row={(c) => (
          <tr key={c.id}>
            <td>{c.name}</td>
            <td>{c.priv_level}</td>
            <td>
              <code>{c.client_id ?? c.id}</code>
            </td>
            <td>
              <button type="button" onClick={() => remove.mutate(c.id)} aria-label={`${t.delete} ${c.name}`}>
                {t.delete}
              </button>
            </td>
          </tr>
        )}
      />
      <form
        class="create"
        aria-label={t.newClient}
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate(undefined);
        }}
      >
        <h3>{t.newClient}</h3>
        <Field label={t.clientName} value={name} onInput={setName} required />
        <ErrorNote error={create.error} />
        <button type="submit">{t.create}</button>
      </form>
      {created?.client_secret && (
        <div class="secret" role="alert">
          <p>{t.secretOnce}</p>
          <dl>
            <dt>{t.clientId}</dt>
            <dd>
              <code>{created.client_id ?? created.id}</code>
            </dd>
            <dt>{t.clientSecret}</dt>
            <dd>
              <code data-secret>{created.client_secret}</code>
            </dd>
          </dl>
          <button type="button" onClick={() => setCreated(undefined)}>
            {t.close}
          </button>
        </div>
      )}
    </section>
  );
}

interface Webhook {
  id: string;
  name: string;
  uri: string;
  hook: string;
  enabled?: boolean;
}

interface Attempt {
  delivery_id: string;
  event_type: string;
  attempt: number;
  at: string;
  ok: boolean;
  status_code?: number | null;
  error?: string | null;
}

function Webhooks({ acct }: { acct: string }) {
  const hooks = useKazoo<Webhook[]>(['webhooks', acct], `/accounts/${acct}/webhooks`);
  const [shown, setShown] = useState<Webhook>();
  const attempts = useKazoo<Attempt[]>(
    ['webhooks', acct, shown?.id, 'attempts'],
    shown ? `/accounts/${acct}/webhooks/${shown.id}/attempts` : undefined,
  );
  return (
    <section>
      <h2>{t.webhooks}</h2>
      <ErrorNote error={hooks.error} />
      <Table
        caption={t.webhooks}
        head={[t.name, t.hook, t.uri, t.enabled, t.actions]}
        rows={hooks.data}
        row={(w) => (
          <tr key={w.id}>
            <td>{w.name}</td>
            <td>{w.hook}</td>
            <td>{w.uri}</td>
            <td>{String(w.enabled ?? true)}</td>
            <td>
              <button type="button" onClick={() => setShown(w)} aria-label={`${t.showAttempts}: ${w.name}`}>
                {t.showAttempts}
              </button>
            </td>
          </tr>
        )}
      />
      {shown && (
        <>
          <ErrorNote error={attempts.error} />
          <Table
            caption={t.attemptsOf(shown.name)}
            head={[t.when, t.hook, '#', t.result]}
            rows={attempts.data}
            row={(a) => (
              <tr key={`${a.delivery_id}-${a.attempt}`}>
                <td>{a.at}</td>
                <td>{a.event_type}</td>
                <td>{a.attempt}</td>
                <td>{a.ok ? `ok ${a.status_code ?? ''}` : `${a.status_code ?? ''} ${a.error ?? ''}`}</td>
              </tr>
            )}
          />
        </>
      )}
      <CreateForm
        title={t.newWebhook}
        fields={[
          { key: 'name', label: t.name },
          { key: 'uri', label: t.uri, type: 'url' },
          { key: 'hook', label: t.hook },
        ]}
        submit={(v) =>
          api('PUT', `/accounts/${acct}/webhooks`, {
            name: v.name,
            uri: v.uri,
            hook: v.hook || 'all',
            http_verb: 'post',
          })
        }
        stale={['webhooks']}
      />
    </section>
  );
}

const USAGE_LIMITS: [string, string | undefined][] = [
  ['vmboxes', 'max_vmboxes'],
  ['users', 'max_users'],
  ['bytes_stored', 'max_storage_bytes'],
  ['objects', undefined],
  ['messages', undefined],
  ['calls_placed', undefined],
  ['call_minutes', undefined],
  ['transcription_minutes', undefined],
];

function Usage({ acct }: { acct: string }) {
  const usage = useKazoo<Record<string, unknown>>(['usage', acct], `/accounts/${acct}/usage`);
  const limits = useKazoo<Record<string, unknown>>(['usage', acct, 'limits'], `/accounts/${acct}/limits`);
  return (
    <section>
      <h2>{t.usage}</h2>
      <ErrorNote error={usage.error ?? limits.error} />
      <Table
        caption={`${t.usage} ${usage.data?.month ?? ''}`}
        head={[t.name, t.used, t.limit]}
        rows={usage.data ? USAGE_LIMITS : undefined}
        row={([k, l]) => {
          const limit = l ? limits.data?.[l] : undefined;
          return (
            <tr key={k} data-usage={k}>
              <td>{k}</td>
              <td>{String(usage.data?.[k] ?? 0)}</td>
              <td>{l ? (limit === null || limit === undefined ? t.noLimit : String(limit)) : ''}</td>
            </tr>
          );
        }}
      />
      {limits.data && (
        <Table
          caption={t.limit}
          head={[t.name, t.limit]}
          rows={Object.entries(limits.data)}
          row={([k, v]) => (
            <tr key={k}>
              <td>{k}</td>
              <td>{v === null ? t.noLimit : String(v)}</td>
            </tr>
          )}
        />
      )}
    </section>
  );
}
