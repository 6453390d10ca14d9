import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, session, type Roles } from './api.js';
import { ErrorBox, Loading } from './components/states.js';
import { browserZone } from './lib/range.js';
import { go, useRoute } from './lib/route.js';
import { KeysPage } from './pages/keys.js';
import { ModelsPage, ProvidersPage } from './pages/resources.js';
import { MyUsagePage } from './pages/my-usage.js';
import { OverviewPage } from './pages/overview.js';
import { PlaygroundPage } from './pages/playground.js';
import { RequestDetailPage, RequestsPage } from './pages/requests.js';
import { SignIn } from './pages/sign-in.js';
import { UsagePage } from './pages/usage.js';

/** Pages, each shown only to a role the manifest gives its permission. */
const PAGES = [
  { id: 'overview', label: 'Overview', permission: 'usage.read' },
  { id: 'usage', label: 'Usage', permission: 'usage.read' },
  { id: 'requests', label: 'Requests', permission: 'usage.read' },
  { id: 'keys', label: 'Keys', permission: 'keys.read' },
  { id: 'models', label: 'Models', permission: 'models.read' },
  { id: 'providers', label: 'Providers', permission: 'providers.read' },
  { id: 'playground', label: 'Playground', permission: 'playground.run' },
  { id: 'me', label: 'My usage', permission: 'self.read' },
] as const;

export function App() {
  const [key, setKey] = useState(session.key());
  const client = useQueryClient();
  const signOut = () => {
    session.clear();
    client.clear();
    setKey(null);
    go('');
  };
  if (!key)
    return (
      <SignIn
        onSignedIn={(k) => {
          session.set(k);
          setKey(k);
        }}
      />
    );
  return <Shell signOut={signOut} />;
}

function Shell({ signOut }: { signOut: () => void }) {
  const roles = useQuery({ queryKey: ['roles'], queryFn: () => api<Roles>('roles') });
  const route = useRoute();
  const [tz, setTz] = useState(browserZone());
  const [menuOpen, setMenuOpen] = useState(false);
  const allowed = PAGES.filter((p) => roles.data?.permissions.includes(p.permission));
  const page = route[0] ?? '';
  useEffect(() => {
    // Land on the first page this role may see.
    if (roles.data && !allowed.some((p) => p.id === page) && allowed[0]) go(allowed[0].id);
  }, [roles.data, page, allowed]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the menu closes whenever the page changes
  useEffect(() => setMenuOpen(false), [page]);
  if (roles.isPending) return <Loading what="Signing in" />;
  if (roles.error)
    return (
      <main className="signin">
        <ErrorBox error={roles.error} />
        <button type="button" onClick={signOut}>
          Back to sign in
        </button>
      </main>
    );
  const can = (p: string) => roles.data?.permissions.includes(p) ?? false;
  return (
    <div className="shell">
      {/* biome-ignore lint/a11y/useValidAnchor: hash routes own the fragment, so the skip link moves focus itself */}
      <a className="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Rankway Console</span>
        <button type="button" className="menu" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
          Menu
        </button>
        <span className="role" data-testid="role">
          {roles.data?.role === 'admin' ? 'Admin' : 'Caller key'}
        </span>
        <button type="button" onClick={signOut} data-testid="sign-out">
          Sign out
        </button>
      </header>
      <nav id="nav" className={menuOpen ? 'open' : undefined} aria-label="Pages">
        {allowed.map((p) => (
          <a key={p.id} href={`#/${p.id}`} aria-current={p.id === page ? 'page' : undefined}>
            {p.label}
          </a>
        ))}
      </nav>
      <main id="main" tabIndex={-1}>
        {page === 'overview' && can('usage.read') && <OverviewPage tz={tz} setTz={setTz} />}
        {page === 'usage' && can('usage.read') && <UsagePage tz={tz} setTz={setTz} />}
        {page === 'requests' &&
          can('usage.read') &&
          (route[1] ? <RequestDetailPage id={route[1]} tz={tz} /> : <RequestsPage tz={tz} setTz={setTz} />)}
        {page === 'keys' && can('keys.read') && <KeysPage canWrite={can('keys.write')} />}
        {page === 'models' && can('models.read') && <ModelsPage canWrite={can('models.write')} />}
        {page === 'providers' && can('providers.read') && <ProvidersPage canWrite={can('providers.write')} />}
        {page === 'playground' && can('playground.run') && <PlaygroundPage />}
        {page === 'me' && can('self.read') && <MyUsagePage tz={tz} setTz={setTz} />}
      </main>
    </div>
  );
}
