import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, qs } from '../api.js';
import { QueryState } from '../components/states.js';
import { formatCount, formatMs, formatTime, formatUsd } from '../lib/format.js';
import { go } from '../lib/route.js';

interface RequestRow {
  id: string;
  request_id: string;
  created_at: string;
  key_id: string;
  surface: string;
  model: string | null;
  provider: string | null;
  upstream_model: string | null;
  status: number;
  latency_ms: number;
  documents: number;
  chunks: number;
  cache_hits: number;
  attempts: number;
  input_tokens: number;
  output_tokens: number;
  search_units: number;
  cost_usd: number;
}
interface Page {
  data: RequestRow[];
  has_more: boolean;
  next_cursor: string | null;
}
interface Detail extends RequestRow {
  detail: {
    retries: number;
    fallbacks: number;
    upstream_ms: number;
    gateway_ms: number;
    cache_misses: number;
    error_code: string | null;
    rerank?: { query: string; top_n: number | null; fallback_index: number; results: { index: number; relevance_score: number }[] };
  } | null;
}

const FILTERS = ['key_id', 'model', 'provider', 'surface', 'status', 'min_latency_ms', 'max_latency_ms', 'from', 'to'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

/** The request log: server-side filters and keyset pages (one request per page, whatever the table size). */
export function RequestsPage({ tz }: { tz: string; setTz: (tz: string) => void }) {
  const [filters, setFilters] = useState<Filters>({});
  const [draft, setDraft] = useState<Filters>({});
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1];
  const query = useQuery({
    queryKey: ['requests', filters, cursor],
    queryFn: () => {
      const params: Record<string, string | undefined> = { ...filters, limit: '50', cursor: cursor ?? undefined };
      // datetime-local values are wall times in the browser's zone.
      for (const k of ['from', 'to'] as const) if (filters[k]) params[k] = new Date(filters[k] as string).toISOString();
      return api<Page>(`requests${qs(params)}`);
    },
  });
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(Object.fromEntries(Object.entries(draft).filter(([, v]) => v !== '' && v !== undefined)));
    setCursors([null]);
  };
  const field = (name: (typeof FILTERS)[number], label: string, props: Record<string, unknown> = {}) => (
    <div className="field">
      <label htmlFor={`f-${name}`}>{label}</label>
      <input id={`f-${name}`} value={draft[name] ?? ''} onChange={(e) => setDraft({ ...draft, [name]: e.target.value })} {...props} />
    </div>
  );
  return (
    <>
      <h1>Requests</h1>
      <form className="filters" onSubmit={apply} aria-label="Filters">
        {field('from', 'From', { type: 'datetime-local' })}
        {field('to', 'To', { type: 'datetime-local' })}
        {field('key_id', 'Key id')}
        {field('model', 'Model')}
        {field('provider', 'Provider')}
        {field('surface', 'Surface')}
        {field('status', 'Status', { placeholder: '429, 4xx, error' })}
        {field('min_latency_ms', 'Min ms', { inputMode: 'numeric', size: 6 })}
        {field('max_latency_ms', 'Max ms', { inputMode: 'numeric', size: 6 })}
        <button type="submit">Apply</button>
        <button
          type="button"
          onClick={() => {
            setDraft({});
            setFilters({});
            setCursors([null]);
          }}
        >
          Clear
        </button>
      </form>
      <QueryState query={query} empty={(p) => p.data.length === 0} emptyText="No requests match.">
        {(page) => (
          <>
            <div className="table-wrap">
              <table data-testid="requests-table">
                <caption className="sr-only">Requests, newest first (times in {tz})</caption>
                <thead>
                  <tr>
                    <th>Time ({tz})</th>
                    <th>Status</th>
                    <th>Model</th>
                    <th>Provider</th>
                    <th>Surface</th>
                    <th>Key</th>
                    <th className="num">Docs</th>
                    <th className="num">Latency</th>
                    <th className="num">Cost</th>
                  </tr>
                </thead>
                <tbody>
                  {page.data.map((r) => (
                    <tr key={r.id} className="clickable" onClick={() => go(`requests/${encodeURIComponent(r.id)}`)}>
                      <td>
                        <a href={`#/requests/${encodeURIComponent(r.id)}`}>{formatTime(r.created_at, tz, true)}</a>
                      </td>
                      <td>
                        <span className={`status s${String(r.status)[0]}`}>{r.status}</span>
                      </td>
                      <td>{r.model ?? '—'}</td>
                      <td>{r.provider ?? '—'}</td>
                      <td>{r.surface}</td>
                      <td>
                        <code>{r.key_id}</code>
                      </td>
                      <td className="num">{formatCount(r.documents)}</td>
                      <td className="num">{formatMs(r.latency_ms)}</td>
                      <td className="num">{formatUsd(r.cost_usd)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <div className="pager">
              <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
                ← Newer
              </button>
              <span>Page {cursors.length}</span>
              <button type="button" disabled={!page.has_more} onClick={() => setCursors([...cursors, page.next_cursor])}>
                Older →
              </button>
            </div>
          </>
        )}
      </QueryState>
    </>
  );
}

/** One request: what it cost and how long each part took; for a rerank, what it did. */
export function RequestDetailPage({ id, tz }: { id: string; tz: string }) {
  const query = useQuery({ queryKey: ['request', id], queryFn: () => api<Detail>(`requests/${encodeURIComponent(id)}`) });
  return (
    <>
      <p>
        <a href="#/requests">← All requests</a>
      </p>
      <h1>Request</h1>
      <QueryState query={query}>
        {(r) => {
          const d = r.detail;
          const rr = d?.rerank;
          const upstreamShare = d && r.latency_ms > 0 ? Math.min(100, (d.upstream_ms / r.latency_ms) * 100) : 0;
          return (
            <>
              <dl className="facts" data-testid="request-detail">
                <dt>Time</dt>
                <dd>
                  {formatTime(r.created_at, tz, true)} ({tz})
                </dd>
                <dt>Request id</dt>
                <dd>
                  <code>{r.request_id}</code>
                </dd>
                <dt>Status</dt>
                <dd>
                  {r.status}
                  {d?.error_code ? ` (${d.error_code})` : ''}
                </dd>
                <dt>Model → served by</dt>
                <dd>
                  {r.model ?? '—'} → {r.provider ?? '—'}/{r.upstream_model ?? '—'}
                </dd>
                <dt>Surface / key</dt>
                <dd>
                  {r.surface} / <code>{r.key_id}</code>
                </dd>
                <dt>Documents / chunks</dt>
                <dd>
                  {formatCount(r.documents)} / {formatCount(r.chunks)}
                </dd>
                <dt>Cache hits / misses</dt>
                <dd>
                  {formatCount(r.cache_hits)} / {d ? formatCount(d.cache_misses) : '—'}
                </dd>
                <dt>Attempts / retries / fallbacks</dt>
                <dd>
                  {r.attempts} / {d?.retries ?? '—'} / {d?.fallbacks ?? '—'}
                  {rr && rr.fallback_index > 0 ? ` (answered by fallback #${rr.fallback_index})` : ''}
                </dd>
                <dt>Usage</dt>
                <dd>
                  {r.search_units} search units · {formatCount(r.input_tokens)} in / {formatCount(r.output_tokens)} out tokens
                </dd>
                <dt>Cost</dt>
                <dd data-testid="detail-cost">{formatUsd(r.cost_usd)}</dd>
                <dt>Latency</dt>
                <dd>
                  {formatMs(r.latency_ms)}
                  {d && (
                    <>
                      {' '}
                      = upstream {formatMs(d.upstream_ms)} + gateway {formatMs(d.gateway_ms)}
                      <span className="split" role="img" aria-label={`upstream ${Math.round(upstreamShare)}% of the latency`}>
                        <span style={{ width: `${upstreamShare}%` }} />
                      </span>
                    </>
                  )}
                </dd>
              </dl>
              {rr ? (
                <section aria-labelledby="rr-h">
                  <h2 id="rr-h">Rerank</h2>
                  <p>
                    Query: <q data-testid="detail-query">{rr.query}</q> · top_n: {rr.top_n ?? 'all'}
                  </p>
                  <table className="compact">
                    <caption className="sr-only">Returned order</caption>
                    <thead>
                      <tr>
                        <th className="num">Rank</th>
                        <th className="num">Document index</th>
                        <th className="num">Score</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rr.results.map((x, i) => (
                        <tr key={x.index}>
                          <td className="num">{i + 1}</td>
                          <td className="num">{x.index}</td>
                          <td className="num">{x.relevance_score.toFixed(4)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </section>
              ) : (
                <p className="muted">No rerank detail for this request.</p>
              )}
              <p className="muted">Request and response bodies are not stored.</p>
            </>
          );
        }}
      </QueryState>
    </>
  );
}
