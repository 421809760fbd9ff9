import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { call, keyPrefix, session } from './api.js';
import { ErrorBox } from './ui.js';
import { Deliveries, NotificationView } from './screens/deliveries.js';
import { DeadLetters } from './screens/dead-letters.js';
import { Rules } from './screens/rules.js';
import { Templates } from './screens/templates.js';
import { Recipients } from './screens/recipients.js';
import { Status } from './screens/status.js';
import { Topics } from './screens/topics.js';
import { RateLimits } from './screens/rate-limits.js';
import { TestSend } from './screens/test-send.js';
import { Publish } from './screens/publish.js';
import './style.css';

const screens = [
  ['deliveries', 'Deliveries'],
  ['dead-letters', 'Dead letters'],
  ['rules', 'Rules'],
  ['templates', 'Templates'],
  ['recipients', 'Recipients'],
  ['topics', 'Topics'],
  ['rate-limits', 'Rate limits'],
  ['test-send', 'Test send'],
  ['publish', 'Publish'],
  ['status', 'Status'],
] as const;

/** The route is the hash (`#/rules`), so the api serves one index.html for every screen. */
function useHashRoute(): string[] {
  const parse = () =>
    window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const changed = () => setRoute(parse());
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return route;
}

function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  async function submit(e: Event) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      // Any read route proves the key and its scope; nothing else is asked of it.
      await call('GET', '/v1/rules', undefined, key.trim());
      session.signIn(key.trim());
      setKey('');
      onSignedIn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form class="signin" onSubmit={submit}>
      <h1>Herald console</h1>
      <p>Sign in with an API key of your tenant (read or admin scope).</p>
      <label>
        API key
        <input
          name="key"
          type="password"
          autocomplete="off"
          value={key}
          onInput={(e) => setKey(e.currentTarget.value)}
          placeholder="hk_…"
          required
        />
      </label>
      <button type="submit" disabled={busy}>
        Sign in
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

function Screen({ route }: { route: string[] }) {
  const [name, arg] = route;
  switch (name) {
    case 'notifications':
      return <NotificationView id={arg ?? ''} />;
    case 'dead-letters':
      return <DeadLetters />;
    case 'rules':
      return <Rules />;
    case 'templates':
      return <Templates selected={arg} />;
    case 'recipients':
      return <Recipients selected={arg} />;
    case 'topics':
      return <Topics selected={arg} />;
    case 'rate-limits':
      return <RateLimits />;
    case 'test-send':
      return <TestSend />;
    case 'publish':
      return <Publish />;
    case 'status':
      return <Status />;
    default:
      return <Deliveries />;
  }
}

function App() {
  const [key, setKey] = useState(session.key());
  const route = useHashRoute();
  if (!key) return <SignIn onSignedIn={() => setKey(session.key())} />;
  return (
    <div class="layout">
      <nav>
        <strong>Herald</strong>
        {screens.map(([path, label]) => (
          <a key={path} href={`#/${path}`} class={route[0] === path ? 'current' : ''}>
            {label}
          </a>
        ))}
        <span class="key" title="the key's prefix; the secret is never shown">
          {keyPrefix(key)}
        </span>
        <button
          onClick={() => {
            session.signOut();
            setKey(null);
          }}
        >
          Sign out
        </button>
      </nav>
      <main>
        <Screen route={route} />
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
