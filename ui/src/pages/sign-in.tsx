import { useState, type FormEvent } from 'react';
import { api, ApiError, type Roles } from '../api.js';

/** The admin key (or a caller key, for My usage), checked against the role manifest before it is kept. */
export function SignIn({ onSignedIn }: { onSignedIn: (key: string) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api<Roles>('roles', { key: key.trim() });
      onSignedIn(key.trim());
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? 'This key is not valid here.' : (err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="signin">
      <form onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">Rankway Console</h1>
        <p>
          Sign in with the admin key (printed by <code>npm start</code> on first start, or <code>RANKWAY_ADMIN_KEY</code>), or with a caller
          key to see its own usage. The key stays in this tab only (sessionStorage).
        </p>
        <label htmlFor="key">Key</label>
        <input
          id="key"
          type="password"
          autoComplete="off"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'key-error' : undefined}
          required
        />
        {error && (
          <p id="key-error" className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || key.trim() === ''}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
