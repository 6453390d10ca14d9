import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { Field, fieldError } from '../components/form.js';
import { QueryState } from '../components/states.js';

/**
 * Models and provider keys: the same list / create / edit / delete, each described by its
 * fields. Rows from the config file are shown read-only with their source; secrets are
 * write-only (a password field, never filled from the API, which never returns them).
 */
interface FieldSpec {
  readonly name: string;
  readonly label: string;
  readonly kind?: 'text' | 'secret' | 'list' | 'json' | 'select';
  readonly options?: readonly string[];
  readonly hint?: string;
  /** Shown in the list. */
  readonly column?: boolean;
}

interface Spec {
  readonly path: string;
  readonly title: string;
  readonly singular: string;
  readonly nameField: string;
  readonly fields: readonly FieldSpec[];
}

type Row = Record<string, unknown> & { id: string; source: 'file' | 'database' };

const MODELS: Spec = {
  path: 'models',
  title: 'Models',
  singular: 'model',
  nameField: 'display_name',
  fields: [
    { name: 'display_name', label: 'Name (alias)', column: true },
    { name: 'provider', label: 'Provider', column: true },
    { name: 'model_name', label: 'Upstream model', column: true },
    { name: 'provider_key_id', label: 'Provider key id', hint: 'pk_… or file:<provider>' },
    { name: 'fallbacks', label: 'Fallbacks', kind: 'list', hint: 'Comma-separated aliases or provider/model', column: true },
    { name: 'price', label: 'Price', kind: 'json', hint: 'e.g. {"per_1k_search_units": 2}', column: true },
    { name: 'cache', label: 'Cache', kind: 'select', options: ['pairs', 'off'], column: true },
  ],
};

const PROVIDERS: Spec = {
  path: 'provider_keys',
  title: 'Providers',
  singular: 'provider key',
  nameField: 'display_name',
  fields: [
    { name: 'display_name', label: 'Name', column: true },
    { name: 'provider', label: 'Provider', column: true },
    { name: 'adapter', label: 'Adapter', hint: 'cohere, bedrock, vertex, jina, voyage, tei, vllm …', column: true },
    { name: 'api_base', label: 'API base URL', column: true },
    { name: 'secret', label: 'Secret (JSON)', kind: 'secret', hint: 'e.g. {"api_key":"…"}; write-only, leave empty to keep' },
    { name: 'config', label: 'Config (JSON)', kind: 'json' },
    { name: 'secret_fields', label: 'Secret fields', kind: 'list', column: true },
  ],
};

export const ModelsPage = ({ canWrite }: { canWrite: boolean }) => <ResourcePage spec={MODELS} canWrite={canWrite} />;
export const ProvidersPage = ({ canWrite }: { canWrite: boolean }) => <ResourcePage spec={PROVIDERS} canWrite={canWrite} />;

const show = (v: unknown): string => {
  if (v === null || v === undefined) return '—';
  if (Array.isArray(v)) return v.length ? v.join(', ') : '—';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
};

function ResourcePage({ spec, canWrite }: { spec: Spec; canWrite: boolean }) {
  const client = useQueryClient();
  const list = useQuery({ queryKey: [spec.path], queryFn: () => api<{ data: Row[] }>(`${spec.path}?limit=500`) });
  const [editing, setEditing] = useState<Row | 'new' | null>(null);
  const remove = useMutation({
    mutationFn: (r: Row) => api(`${spec.path}/${r.id}`, { method: 'DELETE' }),
    onSuccess: () => client.invalidateQueries({ queryKey: [spec.path] }),
  });
  const columns = spec.fields.filter((f) => f.column);
  return (
    <>
      <div className="page-head">
        <h1>{spec.title}</h1>
        {canWrite && (
          <button type="button" onClick={() => setEditing('new')}>
            New {spec.singular}
          </button>
        )}
      </div>
      {editing && (
        <ResourceForm
          key={editing === 'new' ? 'new' : editing.id}
          spec={spec}
          existing={editing === 'new' ? null : editing}
          onDone={() => {
            setEditing(null);
            void client.invalidateQueries({ queryKey: [spec.path] });
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      {remove.error && (
        <p className="field-error" role="alert">
          {remove.error.message}
        </p>
      )}
      <QueryState query={list} empty={(l) => l.data.length === 0} emptyText={`No ${spec.title.toLowerCase()} yet.`}>
        {(l) => (
          <div className="table-wrap">
            <table data-testid={`${spec.path}-table`}>
              <caption className="sr-only">{spec.title}</caption>
              <thead>
                <tr>
                  {columns.map((c) => (
                    <th key={c.name}>{c.label}</th>
                  ))}
                  <th>Source</th>
                  {canWrite && <th>Actions</th>}
                </tr>
              </thead>
              <tbody>
                {l.data.map((r) => (
                  <tr key={r.id}>
                    {columns.map((c) => (
                      <td key={c.name}>{show(r[c.name])}</td>
                    ))}
                    <td>
                      {r.source === 'file' ? <span title="Declared in the config file: edit the file">config file</span> : 'database'}
                    </td>
                    {canWrite && (
                      <td className="actions">
                        {r.source === 'database' ? (
                          <>
                            <button type="button" onClick={() => setEditing(r)}>
                              Edit
                            </button>
                            <button
                              type="button"
                              className="danger"
                              onClick={() => {
                                if (window.confirm(`Delete ${spec.singular} ${show(r[spec.nameField])}?`)) remove.mutate(r);
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

function ResourceForm(props: { spec: Spec; existing: Row | null; onDone: () => void; onCancel: () => void }) {
  const editable = props.spec.fields.filter((f) => f.name !== 'secret_fields');
  const initial = Object.fromEntries(
    editable.map((f) => {
      const v = props.existing?.[f.name];
      if (f.kind === 'secret' || v === undefined || v === null) return [f.name, f.kind === 'select' ? (f.options?.[0] ?? '') : ''];
      if (f.kind === 'list') return [f.name, (v as string[]).join(', ')];
      if (f.kind === 'json') return [f.name, Object.keys(v as object).length ? JSON.stringify(v) : ''];
      return [f.name, String(v)];
    }),
  ) as Record<string, string>;
  const [draft, setDraft] = useState(initial);
  const [error, setError] = useState<{ field: string | null; message: string } | null>(null);
  const save = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      props.existing
        ? api(`${props.spec.path}/${props.existing.id}`, { method: 'PATCH', body })
        : api(props.spec.path, { method: 'POST', body }),
    onSuccess: props.onDone,
    onError: (err) =>
      setError(
        fieldError(
          err,
          editable.map((f) => f.name),
        ),
      ),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const body: Record<string, unknown> = {};
    for (const f of editable) {
      const v = draft[f.name].trim();
      // On edit, an empty secret keeps the stored one; other empty fields are left out or cleared.
      if (v === '') {
        if (props.existing && f.kind !== 'secret' && initial[f.name] !== '') body[f.name] = f.kind === 'list' ? [] : null;
        continue;
      }
      if (f.kind === 'list')
        body[f.name] = v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
      else if (f.kind === 'json') {
        try {
          body[f.name] = JSON.parse(v);
        } catch {
          setError({ field: f.name, message: 'must be JSON' });
          return;
        }
      } else body[f.name] = v;
    }
    save.mutate(body);
  };
  return (
    <form className="panel" onSubmit={submit} aria-label={props.existing ? `Edit ${props.spec.singular}` : `New ${props.spec.singular}`}>
      <h2>{props.existing ? `Edit ${show(props.existing[props.spec.nameField])}` : `New ${props.spec.singular}`}</h2>
      <div className="grid">
        {editable.map((f) => (
          <Field key={f.name} id={`r-${f.name}`} label={f.label} hint={f.hint} error={error?.field === f.name ? error.message : null}>
            {(aria) =>
              f.kind === 'select' ? (
                <select value={draft[f.name]} onChange={(e) => setDraft({ ...draft, [f.name]: e.target.value })} {...aria}>
                  {f.options?.map((o) => (
                    <option key={o}>{o}</option>
                  ))}
                </select>
              ) : (
                <input
                  type={f.kind === 'secret' ? 'password' : 'text'}
                  autoComplete="off"
                  value={draft[f.name]}
                  onChange={(e) => setDraft({ ...draft, [f.name]: e.target.value })}
                  {...aria}
                />
              )
            }
          </Field>
        ))}
      </div>
      {error && error.field === null && (
        <p className="field-error" role="alert">
          {error.message}
        </p>
      )}
      <div className="buttons">
        <button type="submit" disabled={save.isPending}>
          Save
        </button>
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
