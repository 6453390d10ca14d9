import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { Field, fieldError } from '../components/form.js';
import { QueryState } from '../components/states.js';
import { formatUsd } from '../lib/format.js';

interface ApiKey {
  id: string;
  name: string | null;
  key_hash_prefix: string;
  allowed_models: string[] | null;
  rpm: number | null;
  tpm: number | null;
  rpd: number | null;
  budget: { usd: number; period: 'day' | 'month' } | null;
  expires_at: string | null;
  disabled: boolean;
  source: 'database' | 'file';
}

const FIELDS = ['name', 'allowed_models', 'rpm', 'tpm', 'rpd', 'budget', 'expires_at'] as const;
type Draft = Record<(typeof FIELDS)[number] | 'budget_period', string>;

const emptyDraft: Draft = { name: '', allowed_models: '', rpm: '', tpm: '', rpd: '', budget: '', budget_period: 'month', expires_at: '' };

const toDraft = (k: ApiKey): Draft => ({
  name: k.name ?? '',
  allowed_models: k.allowed_models?.join(', ') ?? '',
  rpm: k.rpm?.toString() ?? '',
  tpm: k.tpm?.toString() ?? '',
  rpd: k.rpd?.toString() ?? '',
  budget: k.budget?.usd.toString() ?? '',
  budget_period: k.budget?.period ?? 'month',
  expires_at: k.expires_at ? k.expires_at.slice(0, 16) : '',
});

/** The body sent as typed: the API validates it (a number field left as text gets the API's message). */
function toBody(d: Draft): Record<string, unknown> {
  const num = (s: string) => (s.trim() === '' ? null : Number(s));
  return {
    name: d.name.trim() || null,
    allowed_models: d.allowed_models.trim()
      ? d.allowed_models
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : null,
    rpm: num(d.rpm),
    tpm: num(d.tpm),
    rpd: num(d.rpd),
    budget: d.budget.trim() === '' ? null : { usd: Number(d.budget), period: d.budget_period },
    expires_at: d.expires_at ? new Date(d.expires_at).toISOString() : null,
  };
}

export function KeysPage({ canWrite }: { canWrite: boolean }) {
  const client = useQueryClient();
  const list = useQuery({ queryKey: ['apikeys'], queryFn: () => api<{ data: ApiKey[] }>('apikeys?limit=500') });
  const [editing, setEditing] = useState<ApiKey | 'new' | null>(null);
  const [created, setCreated] = useState<{ key: string; name: string | null } | null>(null);
  const refresh = () => client.invalidateQueries({ queryKey: ['apikeys'] });
  const toggle = useMutation({
    mutationFn: (k: ApiKey) => api(`apikeys/${k.id}`, { method: 'PATCH', body: { disabled: !k.disabled } }),
    onSuccess: refresh,
  });
  const remove = useMutation({ mutationFn: (k: ApiKey) => api(`apikeys/${k.id}`, { method: 'DELETE' }), onSuccess: refresh });
  return (
    <>
      <div className="page-head">
        <h1>Keys</h1>
        {canWrite && (
          <button type="button" onClick={() => (setEditing('new'), setCreated(null))} data-testid="new-key">
            New key
          </button>
        )}
      </div>
      {created && (
        <div className="notice" role="status" data-testid="created-key">
          <p>
            Key <strong>{created.name ?? 'unnamed'}</strong> created. Copy it now: it is shown only once.
          </p>
          <code className="secret" data-testid="plaintext-key">
            {created.key}
          </code>{' '}
          <button type="button" onClick={() => void navigator.clipboard?.writeText(created.key)}>
            Copy
          </button>{' '}
          <button type="button" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}
      {editing && (
        <KeyForm
          key={editing === 'new' ? 'new' : editing.id}
          existing={editing === 'new' ? null : editing}
          onDone={(plaintext, name) => {
            setEditing(null);
            if (plaintext) setCreated({ key: plaintext, name });
            void refresh();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      {(toggle.error || remove.error) && <p className="field-error">{String((toggle.error ?? remove.error)?.message)}</p>}
      <QueryState query={list} empty={(l) => l.data.length === 0} emptyText="No caller keys yet.">
        {(l) => (
          <div className="table-wrap">
            <table data-testid="keys-table">
              <caption className="sr-only">Caller keys</caption>
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Id</th>
                  <th>Models</th>
                  <th>rpm / tpm / rpd</th>
                  <th>Budget</th>
                  <th>Expires</th>
                  <th>State</th>
                  <th>Source</th>
                  {canWrite && <th>Actions</th>}
                </tr>
              </thead>
              <tbody>
                {l.data.map((k) => (
                  <tr key={k.id}>
                    <td>{k.name ?? '—'}</td>
                    <td>
                      <code>{k.id}</code>
                    </td>
                    <td>{k.allowed_models?.join(', ') ?? 'all'}</td>
                    <td>
                      {k.rpm ?? '∞'} / {k.tpm ?? '∞'} / {k.rpd ?? '∞'}
                    </td>
                    <td>{k.budget ? `${formatUsd(k.budget.usd)} / ${k.budget.period}` : '—'}</td>
                    <td>{k.expires_at?.slice(0, 16).replace('T', ' ') ?? 'never'}</td>
                    <td>{k.disabled ? 'disabled' : 'active'}</td>
                    <td>
                      {k.source === 'file' ? <span title="Declared in the config file: read-only here">config file</span> : 'database'}
                    </td>
                    {canWrite && (
                      <td className="actions">
                        {k.source === 'database' ? (
                          <>
                            <button type="button" onClick={() => (setEditing(k), setCreated(null))}>
                              Edit
                            </button>
                            <button type="button" onClick={() => toggle.mutate(k)}>
                              {k.disabled ? 'Enable' : 'Disable'}
                            </button>
                            <button
                              type="button"
                              className="danger"
                              onClick={() => {
                                if (window.confirm(`Delete key ${k.name ?? k.id}? Callers using it are refused at once.`)) remove.mutate(k);
                              }}
                            >
                              Delete
                            </button>
                          </>
                        ) : (
                          <span className="muted">read-only</span>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
    </>
  );
}

function KeyForm(props: {
  existing: ApiKey | null;
  onDone: (plaintext: string | null, name: string | null) => void;
  onCancel: () => void;
}) {
  const [draft, setDraft] = useState<Draft>(props.existing ? toDraft(props.existing) : emptyDraft);
  const [errors, setErrors] = useState<{ field: string | null; message: string } | null>(null);
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      props.existing
        ? api<ApiKey>(`apikeys/${props.existing.id}`, { method: 'PATCH', body })
        : api<ApiKey & { key: string }>('apikeys', { method: 'POST', body }),
    onSuccess: (res) => props.onDone('key' in res ? (res as { key: string }).key : null, res.name),
    onError: (err) => setErrors(fieldError(err, FIELDS)),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setErrors(null);
    save.mutate(toBody(draft));
  };
  const err = (f: string) => (errors?.field === f ? errors.message : null);
  const input =
    (f: keyof Draft, props: Record<string, unknown> = {}) =>
    (aria: Record<string, unknown>) => (
      <input value={draft[f]} onChange={(e) => setDraft({ ...draft, [f]: e.target.value })} {...aria} {...props} />
    );
  return (
    <form className="panel" onSubmit={submit} aria-label={props.existing ? 'Edit key' : 'New key'} data-testid="key-form">
      <h2>{props.existing ? `Edit ${props.existing.name ?? props.existing.id}` : 'New key'}</h2>
      <div className="grid">
        <Field id="k-name" label="Name" error={err('name')}>
          {input('name')}
        </Field>
        <Field id="k-models" label="Allowed models" hint="Comma-separated names or globs; empty = all" error={err('allowed_models')}>
          {input('allowed_models')}
        </Field>
        <Field id="k-rpm" label="Requests / minute" error={err('rpm')}>
          {input('rpm', { inputMode: 'numeric' })}
        </Field>
        <Field id="k-tpm" label="Tokens / minute" error={err('tpm')}>
          {input('tpm', { inputMode: 'numeric' })}
        </Field>
        <Field id="k-rpd" label="Requests / day" error={err('rpd')}>
          {input('rpd', { inputMode: 'numeric' })}
        </Field>
        <Field id="k-budget" label="Budget (USD)" error={err('budget')}>
          {input('budget', { inputMode: 'decimal' })}
        </Field>
        <Field id="k-period" label="Budget period">
          {(aria) => (
            <select value={draft.budget_period} onChange={(e) => setDraft({ ...draft, budget_period: e.target.value })} {...aria}>
              <option value="month">month</option>
              <option value="day">day</option>
            </select>
          )}
        </Field>
        <Field id="k-expires" label="Expires" hint="Empty = never" error={err('expires_at')}>
          {input('expires_at', { type: 'datetime-local' })}
        </Field>
      </div>
      {errors && errors.field === null && (
        <p className="field-error" role="alert">
          {errors.message}
        </p>
      )}
      <div className="buttons">
        <button type="submit" disabled={save.isPending}>
          {props.existing ? 'Save' : 'Create key'}
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
