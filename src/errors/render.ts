import { coded, GatewayError, toGatewayError } from './gateway-error.js';

// How an error becomes an HTTP answer, whatever the surface: the code a framework or
// parser error maps to, the headers every error carries, the default (OpenAI) envelope.
// Lives in errors/ so the surfaces (api/) and the server plugin both use it.

/** Maps Fastify's own errors (body parsing, size, media type) onto the coded table. */
export function fromFrameworkError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const e = err as { statusCode?: number; code?: string; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || e.statusCode === 413) {
    return coded('body_too_large');
  }
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || e.statusCode === 415) {
    return coded('body_media_type');
  }
  if (e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return coded('body_empty');
  if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError || (e.statusCode === 400 && /JSON/i.test(e.message ?? ''))) {
    return coded('body_not_json');
  }
  if (e.statusCode === 400 && e.code?.startsWith('FST_')) return new GatewayError('invalid_request', e.message ?? 'Bad request');
  return toGatewayError(err);
}

/** Headers every error carries: Retry-After on 429/503, x-should-retry once we gave up. */
export function errorHeaders(err: GatewayError): Record<string, string> {
  const headers: Record<string, string> = { ...err.headers };
  if ((err.status === 429 || err.status === 503) && headers['retry-after'] === undefined) {
    headers['retry-after'] = String(Math.max(1, Math.ceil((err.retryAfterMs ?? 1000) / 1000)));
  }
  if (err.retriesExhausted) headers['x-should-retry'] = 'false';
  return headers;
}

/** OpenAI/Cohere-style envelope: `{"error": {"message", "type", "param", "code"}}`. */
export function openAiEnvelope(err: GatewayError): Record<string, unknown> {
  return { error: { message: err.message, type: err.type, param: err.param, code: err.code } };
}
