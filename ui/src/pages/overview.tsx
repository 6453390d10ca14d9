import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { api, qs, type Series } from '../api.js';
import { TimeChart } from '../components/chart.js';
import { RangeBar } from '../components/range-bar.js';
import { Card, QueryState } from '../components/states.js';
import { formatCount, formatMs, formatRate, formatUsd } from '../lib/format.js';
import { bucketFor, presetRange, type PresetId } from '../lib/range.js';

/** Cards and charts of one series answer; shared by Overview and My usage. */
export function SeriesView({ series }: { series: Series }) {
  const t = series.totals;
  const times = useMemo(() => series.data.map((b) => Date.parse(b.start)), [series]);
  const traffic = useMemo(
    () => [
      { label: 'Requests', values: series.data.map((b) => b.requests), color: '#3b6fd8', bars: true },
      { label: 'Errors', values: series.data.map((b) => b.errors), color: '#d0453b' },
    ],
    [series],
  );
  const money = useMemo(
    () => [
      { label: 'Cost (USD)', values: series.data.map((b) => b.cost_usd), color: '#2f9e5b' },
      { label: 'Avg latency (ms)', values: series.data.map((b) => b.avg_latency_ms), color: '#a35bd1', right: true },
    ],
    [series],
  );
  const errors = Object.entries(t.errors_by_status).sort((a, b) => b[1] - a[1]);
  return (
    <>
      <div className="cards">
        <Card label="Requests" value={formatCount(t.requests)} testId="total-requests" />
        <Card
          label="Errors"
          value={formatCount(t.errors)}
          hint={t.requests ? `${formatRate(t.errors / t.requests)} of requests` : undefined}
          testId="total-errors"
        />
        <Card label="Latency p50 / p95" value={`${formatMs(t.latency_p50_ms)} / ${formatMs(t.latency_p95_ms)}`} testId="latency" />
        <Card label="Cost" value={formatUsd(t.cost_usd)} testId="total-cost" />
        <Card
          label="Cache hit rate"
          value={formatRate(t.cache_hit_rate)}
          hint={`${formatCount(t.cache_hits)} of ${formatCount(t.documents)} documents`}
          testId="cache-rate"
        />
      </div>
      <section aria-labelledby="traffic-h">
        <h2 id="traffic-h">Requests and errors per {series.bucket}</h2>
        <TimeChart times={times} series={traffic} tz={series.tz} title="Requests and errors over time" />
      </section>
      <section aria-labelledby="cost-h">
        <h2 id="cost-h">Cost and latency per {series.bucket}</h2>
        <TimeChart times={times} series={money} tz={series.tz} title="Cost and average latency over time" />
      </section>
      <section aria-labelledby="errors-h">
        <h2 id="errors-h">Errors by status code</h2>
        {errors.length === 0 ? (
          <p className="muted">No errors in this range.</p>
        ) : (
          <table className="compact" data-testid="errors-by-status">
            <thead>
              <tr>
                <th>Status</th>
                <th className="num">Requests</th>
              </tr>
            </thead>
            <tbody>
              {errors.map(([status, n]) => (
                <tr key={status}>
                  <td>{status}</td>
                  <td className="num">{formatCount(n)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

export function OverviewPage({ tz, setTz }: { tz: string; setTz: (tz: string) => void }) {
  const [preset, setPreset] = useState<PresetId>('24h');
  // The range is fixed when chosen, so a refetch asks for the same figures.
  const [stamp, setStamp] = useState(() => Date.now());
  const range = useMemo(() => presetRange(preset, stamp), [preset, stamp]);
  const bucket = bucketFor(range.from, range.to);
  const client = useQueryClient();
  const query = useQuery({
    queryKey: ['series', range, tz, bucket],
    queryFn: () =>
      api<Series>(`usage/series${qs({ from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), tz, bucket })}`),
  });
  return (
    <>
      <div className="page-head">
        <h1>Overview</h1>
        <button
          type="button"
          onClick={() => {
            setStamp(Date.now());
            void client.invalidateQueries({ queryKey: ['series'] });
          }}
        >
          Refresh
        </button>
      </div>
      <RangeBar preset={preset} onPreset={setPreset} tz={tz} onTz={setTz} />
      <p className="muted">Every figure is computed by the server over the whole range, bucketed in {tz}.</p>
      <QueryState query={query}>{(s) => <SeriesView series={s} />}</QueryState>
    </>
  );
}
