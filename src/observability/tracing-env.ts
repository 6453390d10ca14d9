import type { Tracing } from './tracing.js';

/**
 * Tracing from the standard OpenTelemetry variables: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`
 * (used as is) or `OTEL_EXPORTER_OTLP_ENDPOINT` (+ `/v1/traces`), `OTEL_SERVICE_NAME`,
 * `OTEL_EXPORTER_OTLP_HEADERS`; `OTEL_SDK_DISABLED=true` turns it off.
 * Without an endpoint it returns undefined and the OpenTelemetry SDK is never even loaded.
 */
export async function tracingFromEnv(env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  if (env.OTEL_SDK_DISABLED === 'true') return undefined;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const url = traces || (base ? `${base.replace(/\/$/, '')}/v1/traces` : undefined);
  if (!url) return undefined;
  const { Tracing, parseOtlpHeaders } = await import('./tracing.js');
  return new Tracing({ url, serviceName: env.OTEL_SERVICE_NAME || 'rankway', headers: parseOtlpHeaders(env.OTEL_EXPORTER_OTLP_HEADERS) });
}
