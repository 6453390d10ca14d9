/** Range presets for the pickers; a range is [from, to) in epoch ms. */
export const PRESETS = [
  { id: '1h', label: 'Last hour', ms: 3_600_000 },
  { id: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { id: '7d', label: 'Last 7 days', ms: 7 * 86_400_000 },
  { id: '30d', label: 'Last 30 days', ms: 30 * 86_400_000 },
] as const;
export type PresetId = (typeof PRESETS)[number]['id'];

/** The range a preset means now, rounded to the minute so queries stay cacheable for a while. */
export function presetRange(id: PresetId, now = Date.now()): { from: number; to: number } {
  const preset = PRESETS.find((p) => p.id === id) ?? PRESETS[1];
  const to = Math.ceil((now + 1) / 60_000) * 60_000;
  return { from: to - preset.ms, to };
}

/** Hours for two days or less, days beyond. */
export const bucketFor = (from: number, to: number): 'hour' | 'day' => (to - from <= 2 * 86_400_000 ? 'hour' : 'day');

export const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export function zones(): string[] {
  const withValues = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const list = withValues.supportedValuesOf?.('timeZone') ?? [];
  return list.includes('UTC') ? list : ['UTC', ...list];
}

/** Any zone the browser knows, aliases included (Chromium lists Asia/Calcutta yet accepts Asia/Kolkata). */
export function isZone(tz: string): boolean {
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
