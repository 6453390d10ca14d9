import { useMutation, useQuery } from '@tanstack/react-query';
import { useMemo, useState, type FormEvent } from 'react';
import { api } from '../api.js';
import { Field, fieldError } from '../components/form.js';
import { ErrorBox } from '../components/states.js';
import { documentsFromText, movement, pairwise, type Ranking } from '../lib/compare.js';
import { formatMs, formatUsd } from '../lib/format.js';

interface Run {
  model: string;
  status: number;
  latency_ms: number;
  cost_usd: number;
  request_id: string;
  results: { index: number; relevance_score: number }[];
  error: { message: string; code: string | null } | null;
}

const SAMPLE_DOCS = [
  'Carson City is the capital city of the American state of Nevada.',
  'The Commonwealth of the Northern Mariana Islands is a group of islands in the Pacific Ocean. Its capital is Saipan.',
  'Washington, D.C. is the capital of the United States.',
  'Capital punishment has existed in the United States since before it was a country.',
].join('\n');

/** One query, several rerankers, through the proxy with a chosen caller key; rankings side by side. */
export function PlaygroundPage() {
  const models = useQuery({ queryKey: ['models'], queryFn: () => api<{ data: { display_name: string }[] }>('models?limit=500') });
  const [query, setQuery] = useState('What is the capital of the United States?');
  const [docs, setDocs] = useState(SAMPLE_DOCS);
  const [picked, setPicked] = useState<string[]>(['local/bm25']);
  const [extra, setExtra] = useState('');
  const [key, setKey] = useState('');
  const [k, setK] = useState(3);
  const run = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<{ runs: Run[] }>('playground/rerank', { method: 'POST', body }),
  });
  const options = useMemo(() => {
    const names = new Set(['local/bm25', ...(models.data?.data.map((m) => m.display_name) ?? []), ...picked]);
    return [...names];
  }, [models.data, picked]);
  const documents = documentsFromText(docs);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    run.mutate({ query, documents, models: picked, api_key: key || undefined });
  };
  const toggle = (m: string) => setPicked(picked.includes(m) ? picked.filter((x) => x !== m) : [...picked, m]);
  const err = run.error ? fieldError(run.error, ['query', 'documents', 'models', 'api_key']) : null;
  return (
    <>
      <h1>Playground</h1>
      <form className="panel" onSubmit={submit} aria-label="Compare rerankers">
        <Field id="pg-query" label="Query" error={err?.field === 'query' ? err.message : null}>
          {(aria) => <input value={query} onChange={(e) => setQuery(e.target.value)} {...aria} />}
        </Field>
        <Field id="pg-docs" label={`Documents, one per line (${documents.length})`} error={err?.field === 'documents' ? err.message : null}>
          {(aria) => <textarea rows={6} value={docs} onChange={(e) => setDocs(e.target.value)} {...aria} />}
        </Field>
        <fieldset>
          <legend>Rerankers (pick two or more)</legend>
          {options.map((m) => (
            <label key={m} className="check">
              <input type="checkbox" checked={picked.includes(m)} onChange={() => toggle(m)} /> {m}
            </label>
          ))}
          <span className="inline">
            <label htmlFor="pg-extra" className="sr-only">
              Another reranker (provider/model)
            </label>
            <input id="pg-extra" placeholder="provider/model" value={extra} onChange={(e) => setExtra(e.target.value)} size={24} />
            <button
              type="button"
              onClick={() => {
                const v = extra.trim();
                if (v && !picked.includes(v)) setPicked([...picked, v]);
                setExtra('');
              }}
            >
              Add
            </button>
          </span>
          {err?.field === 'models' && <span className="field-error">{err.message}</span>}
        </fieldset>
        <div className="grid">
          <Field id="pg-key" label="Caller key" hint="The calls are made with this key, as that caller (limits, allow-list, usage)">
            {(aria) => <input type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} {...aria} />}
          </Field>
          <Field id="pg-k" label="k for overlap@k">
            {(aria) => (
              <input type="number" min={1} max={50} value={k} onChange={(e) => setK(Math.max(1, Number(e.target.value) || 1))} {...aria} />
            )}
          </Field>
        </div>
        <button type="submit" disabled={run.isPending || picked.length < 2 || documents.length === 0} data-testid="run-playground">
          {run.isPending ? 'Running…' : `Run ${picked.length} rerankers`}
        </button>
        {picked.length < 2 && <span className="hint"> Pick at least two to compare.</span>}
      </form>
      {err && err.field === null && <ErrorBox error={run.error} />}
      {run.data && <Results runs={run.data.runs} documents={documents} k={k} />}
    </>
  );
}

function Results({ runs, documents, k }: { runs: Run[]; documents: string[]; k: number }) {
  const ok = runs.filter((r) => r.error === null);
  const rankings: Ranking[] = ok.map((r) => ({
    name: r.model,
    order: r.results.map((x) => x.index),
    scores: new Map(r.results.map((x) => [x.index, x.relevance_score])),
  }));
  const baseline = rankings[0]?.order ?? [];
  const pairs = pairwise(rankings, k);
  return (
    <section aria-labelledby="pg-results">
      <h2 id="pg-results">Rankings</h2>
      <p className="muted">Arrows show each document's move against the first ranking ({rankings[0]?.name ?? '—'}).</p>
      <div className="columns" data-testid="playground-results">
        {runs.map((r) => {
          const moves = movement(
            baseline,
            r.results.map((x) => x.index),
          );
          return (
            <div className="column" key={r.model} data-testid="playground-column">
              <h3>{r.model}</h3>
              <p className="muted">{r.error ? `HTTP ${r.status}` : `${formatMs(r.latency_ms)} · ${formatUsd(r.cost_usd)}`}</p>
              {r.error ? (
                <p className="field-error">{r.error.message}</p>
              ) : (
                <ol>
                  {r.results.map((x) => {
                    const m = moves.get(x.index);
                    return (
                      <li key={x.index}>
                        <span className="score">{x.relevance_score.toFixed(3)}</span>
                        {m !== null && m !== undefined && m !== 0 && (
                          <span role="img" className={m > 0 ? 'up' : 'down'} aria-label={m > 0 ? `up ${m}` : `down ${-m}`}>
                            {m > 0 ? `▲${m}` : `▼${-m}`}
                          </span>
                        )}{' '}
                        <span className="doc">
                          [{x.index}] {documents[x.index]}
                        </span>
                      </li>
                    );
                  })}
                </ol>
              )}
            </div>
          );
        })}
      </div>
      {pairs.length > 0 && (
        <>
          <h2>Agreement</h2>
          <table className="compact" data-testid="agreement">
            <thead>
              <tr>
                <th>Pair</th>
                <th className="num">overlap@k</th>
                <th className="num">RBO (p=0.9)</th>
              </tr>
            </thead>
            <tbody>
              {pairs.map((p) => (
                <tr key={`${p.a}|${p.b}`}>
                  <td>
                    {p.a} ↔ {p.b}
                  </td>
                  <td className="num">
                    {p.overlap.toFixed(2)} (k={p.k})
                  </td>
                  <td className="num">{p.rbo.toFixed(3)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
