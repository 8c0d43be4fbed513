// The web app: sign-in, then the inbox, greetings and settings, and for admins the console and
// broadcasts. Pages are chosen by the URL's hash (#/inbox), so the gateway serves one index.html.
import { render } from 'preact';
import { QueryClient, QueryClientProvider } from '@tanstack/preact-query';
import { useEffect, useRef, useState } from 'preact/hooks';
import { currentSession, isAdmin, onSession, Session, signOut } from './api';
import { t } from './strings';
import { SignIn } from './pages/sign-in';
import { Inbox } from './pages/inbox';
import { Greetings } from './pages/greetings';
import { Console } from './pages/console';
import { Broadcasts } from './pages/broadcasts';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: { queries: { retry: 1, staleTime: 5_000, refetchOnWindowFocus: false } },
});

type Page = 'inbox' | 'greetings' | 'console' | 'broadcasts';
const PAGES: { id: Page; label: string; admin: boolean }[] = [
  { id: 'inbox', label: t.navInbox, admin: false },
  { id: 'greetings', label: t.navGreetings, admin: false },
  { id: 'console', label: t.navConsole, admin: true },
  { id: 'broadcasts', label: t.navBroadcasts, admin: true },
];

const pageOf = (hash: string): Page => {
  const p = hash.replace(/^#\/?/, '').split('/')[0] as Page;
  return PAGES.some((x) => x.id === p) ? p : 'inbox';
};

function App() {
  const [session, setSession] = useState<Session | undefined>(currentSession());
  const [page, setPage] = useState<Page>(pageOf(location.hash));
  const main = useRef<HTMLElement>(null);
  useEffect(() => onSession((s) => setSession(s)), []);
  useEffect(() => {
    const onHash = () => setPage(pageOf(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    const label = session ? PAGES.find((p) => p.id === page)?.label : t.signInTitle;
    document.title = `${label} · ${t.appName}`;
    // a page change moves the focus to the page's heading, as a screen reader user expects
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [page, session]);

  if (!session) {
    return (
      <main id="main" ref={main}>
        <SignIn />
      </main>
    );
  }
  const visible = PAGES.filter((p) => !p.admin || isAdmin(session));
  const current = visible.some((p) => p.id === page) ? page : 'inbox';
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), main.current?.focus())}>
        {t.skipToContent}
      </a>
      <header>
        <span class="brand">{t.appName}</span>
        <nav aria-label={t.mainNav}>
          <ul>
            {visible.map((p) => (
              <li key={p.id}>
                <a href={`#/${p.id}`} aria-current={p.id === current ? 'page' : undefined}>
                  {p.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who">{t.signedInAs(session.privLevel, session.accountName)}</span>
        <button type="button" onClick={() => void signOut().then(() => queryClient.clear())}>
          {t.signOut}
        </button>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {current === 'inbox' && <Inbox session={session} />}
        {current === 'greetings' && <Greetings session={session} />}
        {current === 'console' && <Console session={session} />}
        {current === 'broadcasts' && <Broadcasts session={session} />}
      </main>
    </>
  );
}

render(
  <QueryClientProvider client={queryClient}>
    <App />
  </QueryClientProvider>,
  document.getElementById('root')!,
);
