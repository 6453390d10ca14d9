import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * Request and upstream-attempt spans, exported over OTLP/HTTP (JSON). Built only when an
 * endpoint is configured: with tracing off no provider exists, `RequestContext.span` stays
 * undefined and the hot path does nothing but test for it.
 */
export class Tracing {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;
  private readonly propagator = new W3CTraceContextPropagator();

  /**
   * `url` exports over OTLP/HTTP in batches; `exporter` hands each ended span to any SDK
   * exporter instead (an in-memory one in tests, or one an embedding program brings).
   */
  constructor(options: {
    readonly serviceName: string;
    readonly url?: string;
    readonly headers?: Record<string, string>;
    readonly exporter?: SpanExporter;
  }) {
    const processor = options.exporter
      ? new SimpleSpanProcessor(options.exporter)
      : new BatchSpanProcessor(new OTLPTraceExporter({ url: options.url, headers: options.headers }), { scheduledDelayMillis: 1000 });
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': options.serviceName }),
      spanProcessors: [processor],
    });
    this.tracer = this.provider.getTracer('rankway');
  }

  /** A server span for an inbound request, continuing the caller's trace when it sent `traceparent`. */
  startRequest(method: string, headers: Readonly<Record<string, string | string[] | undefined>>): Span {
    const parent = headers.traceparent === undefined ? ROOT_CONTEXT : this.propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
    return this.tracer.startSpan(`${method} request`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method } }, parent);
  }

  /** Names the request span after its route once routing is known. */
  nameRequest(span: Span, method: string, route: string | undefined): void {
    if (route) {
      span.updateName(`${method} ${route}`);
      span.setAttribute('http.route', route);
    }
  }

  endRequest(span: Span, status: number, attributes: Record<string, string | number | undefined>): void {
    span.setAttribute('http.response.status_code', status);
    for (const [k, v] of Object.entries(attributes)) if (v !== undefined) span.setAttribute(k, v);
    if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  }

  /** A client span for one upstream attempt; its context goes upstream as `traceparent`. */
  startAttempt(parent: Span, provider: string, method: string, url: string, headers: Record<string, string>): Span {
    const span = this.tracer.startSpan(
      `${method} ${provider}`,
      { kind: SpanKind.CLIENT, attributes: { 'http.request.method': method, 'url.full': url, 'rankway.provider': provider } },
      trace.setSpan(ROOT_CONTEXT, parent),
    );
    this.propagator.inject(trace.setSpan(ROOT_CONTEXT, span), headers, defaultTextMapSetter);
    return span;
  }

  endAttempt(span: Span, status: number | undefined, error?: { code: string; message: string }): void {
    if (status !== undefined) span.setAttribute('http.response.status_code', status);
    if (error) {
      span.setAttribute('error.type', error.code);
      span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
    } else if (status !== undefined && status >= 500) {
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  }

  /** Exports what is buffered and stops the exporter (called on shutdown). */
  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }

  async flush(): Promise<void> {
    await this.provider.forceFlush();
  }
}

/** `key1=value1,key2=value2` as the OTLP spec defines it. */
export function parseOtlpHeaders(raw: string | undefined): Record<string, string> | undefined {
  if (!raw) return undefined;
  const out: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    const eq = pair.indexOf('=');
    if (eq > 0) out[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim());
  }
  return out;
}
