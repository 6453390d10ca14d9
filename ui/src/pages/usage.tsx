import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { api, qs } from '../api.js';
import { TimeChart } from '../components/chart.js';
import { RangeBar } from '../components/range-bar.js';
import { QueryState } from '../components/states.js';
import { SortableTable, type Column } from '../components/table.js';
import { toCsv } from '../lib/csv.js';
import { formatCount, formatUsd } from '../lib/format.js';
import { presetRange, type PresetId } from '../lib/range.js';

type Group = 'key' | 'model' | 'provider' | 'day';
interface UsageRow {
  [k: string]: unknown;
  name?: string | null;
  requests: number;
  errors: number;
  documents: number;
  search_units: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}
interface UsageAnswer {
  group_by: Group;
  total_cost_usd: number;
  data: UsageRow[];
}

const CSV_COLUMNS = ['requests', 'errors', 'documents', 'search_units', 'input_tokens', 'output_tokens', 'cost_usd'];

/** `GET /admin/v1/usage` as it answers (figures unchanged), as a table, a chart and CSV. */
export function UsagePage({ tz, setTz }: { tz: string; setTz: (tz: string) => void }) {
  const [preset, setPreset] = useState<PresetId>('7d');
  const [group, setGroup] = useState<Group>('model');
  const range = useMemo(() => presetRange(preset), [preset]);
  const query = useQuery({
    queryKey: ['usage', group, range],
    queryFn: () =>
      api<UsageAnswer>(`usage${qs({ group_by: group, from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() })}`),
  });
  const label = (r: UsageRow): string => {
    const v = r[group] as string | null;
    if (group === 'key') return r.name ? `${r.name} (${v})` : (v ?? '—');
    return v ?? '(none)';
  };
  const columns: Column<UsageRow>[] = [
    { key: 'group', label: group === 'day' ? 'Day (UTC)' : group[0].toUpperCase() + group.slice(1), value: label },
    { key: 'requests', label: 'Requests', value: (r) => r.requests, render: (r) => formatCount(r.requests), numeric: true },
    { key: 'errors', label: 'Errors', value: (r) => r.errors, render: (r) => formatCount(r.errors), numeric: true },
    { key: 'documents', label: 'Documents', value: (r) => r.documents, render: (r) => formatCount(r.documents), numeric: true },
    { key: 'search_units', label: 'Search units', value: (r) => r.search_units, numeric: true },
    {
      key: 'tokens',
      label: 'Tokens in/out',
      value: (r) => r.input_tokens + r.output_tokens,
      render: (r) => `${formatCount(r.input_tokens)} / ${formatCount(r.output_tokens)}`,
      numeric: true,
    },
    { key: 'cost', label: 'Cost', value: (r) => r.cost_usd, render: (r) => formatUsd(r.cost_usd), numeric: true },
  ];
  const download = (answer: UsageAnswer) => {
    const rows = answer.data.map((r) => ({ ...r, [group]: r[group] }));
    const cols = [group, ...(group === 'key' ? ['name'] : []), ...CSV_COLUMNS];
    const blob = new Blob([toCsv(cols, rows)], { type: 'text/csv' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `rankway-usage-by-${group}.csv`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  };
  return (
    <>
      <h1>Usage</h1>
      <RangeBar preset={preset} onPreset={setPreset} tz={tz} onTz={setTz} />
      <div className="toolbar">
        <label htmlFor="group-by">Group by</label>
        <select id="group-by" value={group} onChange={(e) => setGroup(e.target.value as Group)}>
          <option value="key">Key</option>
          <option value="model">Model</option>
          <option value="provider">Provider</option>
          <option value="day">Day (UTC)</option>
        </select>
      </div>
      <QueryState query={query} empty={(a) => a.data.length === 0} emptyText="No usage in this range.">
        {(answer) => (
          <>
            <p>
              Total cost <strong data-testid="usage-total-cost">{formatUsd(answer.total_cost_usd)}</strong> over{' '}
              <strong data-testid="usage-total-requests">{formatCount(answer.data.reduce((s, r) => s + r.requests, 0))}</strong> requests{' '}
              <button type="button" onClick={() => download(answer)} data-testid="csv">
                Export CSV
              </button>
            </p>
            {group === 'day' ? (
              <TimeChart
                times={answer.data.map((r) => Date.parse(`${r.day as string}T00:00:00Z`))}
                series={[{ label: 'Requests', values: answer.data.map((r) => r.requests), color: '#3b6fd8', bars: true }]}
                tz="UTC"
                title="Requests per day"
              />
            ) : (
              <BarList rows={answer.data.map((r) => ({ label: label(r), value: r.requests }))} />
            )}
            <SortableTable
              columns={columns}
              rows={answer.data}
              rowKey={label}
              caption="Usage per group"
              initialSort={{ key: 'cost', desc: true }}
            />
          </>
        )}
      </QueryState>
    </>
  );
}

/** Horizontal bars for categories (requests per group). */
function BarList({ rows }: { rows: { label: string; value: number }[] }) {
  const max = Math.max(1, ...rows.map((r) => r.value));
  return (
    <ul className="bars" aria-label="Requests per group">
      {rows
        .slice()
        .sort((a, b) => b.value - a.value)
        .slice(0, 12)
        .map((r) => (
          <li key={r.label}>
            <span className="bar-label">{r.label}</span>
            <span className="bar" style={{ width: `${(r.value / max) * 100}%` }} />
            <span className="bar-value">{formatCount(r.value)}</span>
          </li>
        ))}
    </ul>
  );
}
