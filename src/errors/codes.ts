/**
 * The table of coded errors. Every error a caller can see has one entry here:
 * its HTTP status, who is at fault, and the OpenAI-style `type` used in the envelope.
 */
export type FaultDomain = 'caller' | 'policy' | 'provider' | 'gateway';

export interface ErrorSpec {
  readonly status: number;
  readonly domain: FaultDomain;
  readonly type: string;
}

export const ERROR_CODES = {
  invalid_request: { status: 400, domain: 'caller', type: 'invalid_request_error' },
  invalid_json: { status: 400, domain: 'caller', type: 'invalid_request_error' },
  unsupported_media_type: { status: 415, domain: 'caller', type: 'invalid_request_error' },
  too_many_documents: { status: 400, domain: 'caller', type: 'invalid_request_error' },
  too_many_fallbacks: { status: 400, domain: 'caller', type: 'invalid_request_error' },
  payload_too_large: { status: 413, domain: 'caller', type: 'invalid_request_error' },
  model_not_found: { status: 404, domain: 'caller', type: 'invalid_request_error' },
  route_not_found: { status: 404, domain: 'caller', type: 'invalid_request_error' },
  method_not_allowed: { status: 405, domain: 'caller', type: 'invalid_request_error' },
  capability_not_supported: { status: 400, domain: 'caller', type: 'invalid_request_error' },
  content_policy_violation: { status: 400, domain: 'caller', type: 'invalid_request_error' },
  missing_api_key: { status: 401, domain: 'policy', type: 'authentication_error' },
  invalid_api_key: { status: 401, domain: 'policy', type: 'authentication_error' },
  api_key_disabled: { status: 401, domain: 'policy', type: 'authentication_error' },
  api_key_expired: { status: 401, domain: 'policy', type: 'authentication_error' },
  model_not_allowed: { status: 403, domain: 'policy', type: 'permission_error' },
  permission_denied: { status: 403, domain: 'policy', type: 'permission_error' },
  rate_limit_exceeded: { status: 429, domain: 'policy', type: 'rate_limit_error' },
  budget_exceeded: { status: 429, domain: 'policy', type: 'insufficient_quota' },
  resource_not_found: { status: 404, domain: 'caller', type: 'invalid_request_error' },
  resource_conflict: { status: 409, domain: 'caller', type: 'invalid_request_error' },
  read_only_resource: { status: 409, domain: 'caller', type: 'invalid_request_error' },
  upstream_rejected_request: { status: 400, domain: 'provider', type: 'invalid_request_error' },
  upstream_rate_limited: { status: 429, domain: 'provider', type: 'rate_limit_error' },
  upstream_auth_failed: { status: 502, domain: 'provider', type: 'upstream_error' },
  upstream_model_access: { status: 502, domain: 'provider', type: 'upstream_error' },
  upstream_unavailable: { status: 502, domain: 'provider', type: 'upstream_error' },
  upstream_timeout: { status: 504, domain: 'provider', type: 'upstream_error' },
  upstream_bad_response: { status: 502, domain: 'provider', type: 'upstream_error' },
  provider_busy: { status: 503, domain: 'gateway', type: 'server_error' },
  overloaded: { status: 503, domain: 'gateway', type: 'server_error' },
  database_unavailable: { status: 503, domain: 'gateway', type: 'server_error' },
  usage_journal_full: { status: 503, domain: 'gateway', type: 'server_error' },
  internal_error: { status: 500, domain: 'gateway', type: 'server_error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Message templates of the errors raised in more than one place or in the request path's
 * common steps, beside the codes they carry: one wording per situation, `{name}` filled in by
 * `coded(id, params)`. Errors that explain one provider's or one field's problem keep their
 * own text at the site (`new GatewayError(code, message)`), still under a code of this table.
 */
export const MESSAGES = {
  route_not_found: { text: 'No route for {method} {path}', code: 'route_not_found' },
  body_empty: { text: 'Request body is empty; send a JSON object', code: 'invalid_json' },
  body_not_json: { text: 'Request body is not valid JSON', code: 'invalid_json' },
  body_not_object: { text: 'Request body must be a JSON object', code: 'invalid_json' },
  body_too_deep: { text: 'Request body is nested more than {max} levels deep', code: 'invalid_json' },
  body_proto_key: { text: 'Request body contains a forbidden "__proto__" key', code: 'invalid_json' },
  body_constructor_key: { text: 'Request body contains a forbidden "constructor.prototype" key', code: 'invalid_json' },
  body_too_large: { text: 'Request body is larger than the configured limit', code: 'payload_too_large' },
  body_media_type: { text: 'Content-Type must be application/json', code: 'unsupported_media_type' },
  missing_api_key: { text: 'Missing API key: send Authorization: Bearer <key> or x-api-key', code: 'missing_api_key' },
  invalid_api_key: { text: 'Invalid API key', code: 'invalid_api_key' },
  api_key_disabled: { text: 'This API key is disabled', code: 'api_key_disabled' },
  api_key_expired: { text: 'This API key has expired', code: 'api_key_expired' },
  sigv4_not_accepted: { text: 'SigV4-signed requests are not accepted: no AWS access keys are configured', code: 'invalid_api_key' },
  missing_admin_key: { text: 'Missing admin key: send Authorization: Bearer <admin key>', code: 'missing_api_key' },
  invalid_admin_key: { text: 'Invalid admin key', code: 'invalid_api_key' },
  model_not_allowed: { text: "This API key may not use model '{model}'", code: 'model_not_allowed' },
  too_many_fallbacks: { text: 'fallbacks has {count} items; the maximum is {max}', code: 'too_many_fallbacks' },
  model_not_configured: {
    text: "Model '{model}' is not configured. Address models as 'provider/model' (for example local/bm25, the built-in reranker) or by an alias defined by the operator; GET /v1/models lists the models this key may use.",
    code: 'model_not_found',
  },
  capability_not_supported: {
    text: "Model '{model}' is served by provider '{provider}' ({type}), which does not support {capability}",
    code: 'capability_not_supported',
  },
  resource_not_found: { text: "No {what} with id '{id}'", code: 'resource_not_found' },
  read_only_resource: {
    text: 'This {what} is declared in the config file and is read-only here; edit the file instead',
    code: 'read_only_resource',
  },
  database_unavailable: {
    text: 'The database is unavailable; this change was not confirmed. Try again shortly.',
    code: 'database_unavailable',
  },
  usage_journal_full: {
    text: 'Rankway cannot record usage right now (its usage journal is full); retry shortly',
    code: 'usage_journal_full',
  },
  provider_at_capacity: { text: 'Rankway is at capacity for provider {provider}; retry shortly', code: 'overloaded' },
  provider_busy: { text: 'The upstream provider is at its configured limit; try again shortly', code: 'provider_busy' },
  deadline_passed: { text: 'The request deadline passed before the upstream answered', code: 'upstream_timeout' },
  upstream_timeout: { text: 'The upstream provider did not answer in time', code: 'upstream_timeout' },
  internal_error: { text: 'Internal error in the gateway', code: 'internal_error' },
} as const satisfies Record<string, { readonly text: string; readonly code: ErrorCode }>;

export type MessageId = keyof typeof MESSAGES;

/** The `{name}` placeholders of a template, as a union of names. */
type Placeholders<T extends string> = T extends `${string}{${infer P}}${infer Rest}` ? P | Placeholders<Rest> : never;

/** What `coded(id, ...)` needs filled in for message `K` (nothing when its text has no placeholder). */
export type MessageParams<K extends MessageId> = [Placeholders<(typeof MESSAGES)[K]['text']>] extends [never]
  ? undefined
  : Readonly<Record<Placeholders<(typeof MESSAGES)[K]['text']>, string | number>>;

/** A template with its placeholders filled in. */
export function formatMessage<K extends MessageId>(id: K, params?: MessageParams<K>): string {
  const text: string = MESSAGES[id].text;
  if (params === undefined) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = (params as Record<string, string | number>)[name];
    return value === undefined ? whole : String(value);
  });
}
