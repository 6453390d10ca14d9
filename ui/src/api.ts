/** The console's one way to the admin API: same origin, relative to /ui/, Bearer key from sessionStorage. */

const STORAGE = 'rankway.console.key';

export const session = {
  key: (): string | null => sessionStorage.getItem(STORAGE),
  set: (key: string): void => sessionStorage.setItem(STORAGE, key),
  clear: (): void => sessionStorage.removeItem(STORAGE),
};

/** An error answer of the API, with the field it names (`param`) for forms. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
    readonly param: string | null,
  ) {
    super(message);
  }
}

/** `admin/v1/<path>` next to `ui/`, so a path prefix in front of the admin port keeps working. */
export const apiUrl = (path: string): string => new URL(`../admin/v1/${path.replace(/^\//, '')}`, document.baseURI).toString();

export async function api<T>(path: string, init: { method?: string; body?: unknown; key?: string } = {}): Promise<T> {
  const headers: Record<string, string> = {};
  const key = init.key ?? session.key();
  if (key) headers.authorization = `Bearer ${key}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(apiUrl(path), {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch {
    throw new ApiError(0, 'The admin API cannot be reached', null, null);
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const e = (json as { error?: { message?: string; code?: string; param?: string | null } } | null)?.error;
    throw new ApiError(res.status, e?.message ?? `HTTP ${res.status}`, e?.code ?? null, e?.param ?? null);
  }
  return json as T;
}

/** Query strings without empty values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

export interface Roles {
  role: 'admin' | 'caller';
  permissions: string[];
}

export interface SeriesTotals {
  requests: number;
  errors: number;
  documents: number;
  input_tokens: number;
  output_tokens: number;
  search_units: number;
  cost_usd: number;
  avg_latency_ms: number | null;
  latency_p50_ms: number | null;
  latency_p95_ms: number | null;
  cache_hits: number;
  cache_hit_rate: number | null;
  errors_by_status: Record<string, number>;
}

export interface Series {
  tz: string;
  bucket: 'hour' | 'day';
  from: string;
  to: string;
  totals: SeriesTotals;
  data: { start: string; end: string; requests: number; errors: number; cost_usd: number; avg_latency_ms: number | null }[];
}
