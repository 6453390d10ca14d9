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
