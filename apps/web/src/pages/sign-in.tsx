// Sign-in with Kazoo user credentials (account name or realm, username, password) or an account API key.
import { useState } from 'preact/hooks';
import { signIn } from '../api';
import { t } from '../strings';
import { ErrorNote, Field } from '../ui';

export function SignIn() {
  const [kind, setKind] = useState<'user' | 'key'>('user');
  const [account, setAccount] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await signIn(kind === 'key' ? { kind, apiKey } : { kind, account, username, password });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="signin">
      <h1 tabIndex={-1}>{t.signInTitle}</h1>
      <form onSubmit={submit}>
        <fieldset>
          <legend>{t.signInTitle}</legend>
          {(['user', 'key'] as const).map((k) => (
            <label key={k} class="inline">
              <input type="radio" name="kind" checked={kind === k} onChange={() => setKind(k)} />
              {k === 'user' ? t.withUser : t.withKey}
            </label>
          ))}
        </fieldset>
        {kind === 'user' ? (
          <>
            <Field
              label={t.account}
              value={account}
              onInput={setAccount}
              required
              autoComplete="organization"
            />
            <Field
              label={t.username}
              value={username}
              onInput={setUsername}
              required
              autoComplete="username"
            />
            <Secret
              label={t.password}
              value={password}
              onInput={setPassword}
              autoComplete="current-password"
            />
          </>
        ) : (
          <Secret label={t.apiKey} value={apiKey} onInput={setApiKey} autoComplete="off" />
        )}
        <ErrorNote error={error} />
        <button type="submit" disabled={busy}>
          {t.signIn}
        </button>
      </form>
    </section>
  );
}

const Secret = (p: { label: string; value: string; onInput: (v: string) => void; autoComplete: string }) => (
  <Field {...p} type="password" required />
);
