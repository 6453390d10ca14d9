import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { api, qs, type Series } from '../api.js';
import { RangeBar } from '../components/range-bar.js';
import { Card, QueryState } from '../components/states.js';
import { formatCount, formatTime, formatUsd } from '../lib/format.js';
import { bucketFor, presetRange, type PresetId } from '../lib/range.js';
import { SeriesView } from './overview.js';

interface Me {
  key: { id: string; name: string; allowed_models: string[] | null };
  limits: { rpm: number | null; tpm: number | null; rpd: number | null };
  budget: { usd: number; period: string; spent_usd: number; left_usd: number; resets_at: string } | null;
  usage: Series;
}

/** A caller key's own page: read-only usage, limits and budget left. */
export function MyUsagePage({ tz, setTz }: { tz: string; setTz: (tz: string) => void }) {
  const [preset, setPreset] = useState<PresetId>('24h');
  const range = useMemo(() => presetRange(preset), [preset]);
  const bucket = bucketFor(range.from, range.to);
  const query = useQuery({
    queryKey: ['me', range, tz, bucket],
    queryFn: () => api<Me>(`me${qs({ from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString(), tz, bucket })}`),
  });
  return (
    <>
      <h1>My usage</h1>
      <RangeBar preset={preset} onPreset={setPreset} tz={tz} onTz={setTz} />
      <QueryState query={query}>
        {(me) => (
          <>
            <p>
              Key <strong data-testid="me-name">{me.key.name}</strong> <code>{me.key.id}</code> · models:{' '}
              {me.key.allowed_models ? me.key.allowed_models.join(', ') : 'all'}
            </p>
            <div className="cards">
              <Card label="Requests / minute" value={me.limits.rpm ?? 'no limit'} />
              <Card label="Tokens / minute" value={me.limits.tpm ?? 'no limit'} />
              <Card label="Requests / day" value={me.limits.rpd ?? 'no limit'} />
              {me.budget ? (
                <Card
                  label={`Budget left (${me.budget.period})`}
                  value={formatUsd(me.budget.left_usd)}
                  hint={`${formatUsd(me.budget.spent_usd)} of ${formatUsd(me.budget.usd)} spent · resets ${formatTime(me.budget.resets_at, tz)}`}
                  testId="budget-left"
                />
              ) : (
                <Card label="Budget" value="none" />
              )}
            </div>
            <p className="muted">{formatCount(me.usage.totals.requests)} requests in this range.</p>
            <SeriesView series={me.usage} />
          </>
        )}
      </QueryState>
    </>
  );
}
