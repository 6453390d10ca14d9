import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AWS_EXCEPTIONS } from '../../src/api/bedrock/errors.js';
import { teiErrorType } from '../../src/api/dialects/tei/index.js';
import { googleStatus } from '../../src/api/dialects/vertex/index.js';
import { ERROR_CODES, type ErrorCode, type FaultDomain } from '../../src/errors/codes.js';
import { GatewayError } from '../../src/errors/gateway-error.js';

const CODES = Object.keys(ERROR_CODES) as ErrorCode[];
const klass = (status: number): number => Math.floor(status / 100);

/** The statuses each fault domain may answer with. */
const DOMAIN_STATUSES: Record<FaultDomain, (status: number) => boolean> = {
  // The caller's request is wrong: a 4xx that is not about who they are or how much they use.
  caller: (s) => klass(s) === 4 && ![401, 403, 429].includes(s),
  policy: (s) => [401, 403, 429].includes(s),
  // The provider refused the request as sent (400), throttled (429) or failed (502/504).
  provider: (s) => s === 400 || s === 429 || s === 502 || s === 504,
  gateway: (s) => s >= 500 && s <= 503,
};

/** HTTP status of each google.rpc.Code name (Google's published mapping). */
const GOOGLE_HTTP: Record<string, number> = {
  INVALID_ARGUMENT: 400,
  FAILED_PRECONDITION: 400,
  OUT_OF_RANGE: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  NOT_FOUND: 404,
  ABORTED: 409,
  ALREADY_EXISTS: 409,
  RESOURCE_EXHAUSTED: 429,
  CANCELLED: 499,
  INTERNAL: 500,
  UNKNOWN: 500,
  NOT_IMPLEMENTED: 501,
  UNAVAILABLE: 503,
  DEADLINE_EXCEEDED: 504,
  DATA_LOSS: 500,
};
const TEI_TYPES = new Set(['Unauthorized', 'Overloaded', 'Unhealthy', 'Backend', 'Empty', 'Validation', 'Tokenizer']);
const OPENAI_TYPES = new Set([
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'rate_limit_error',
  'insufficient_quota',
  'upstream_error',
  'server_error',
]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('the error-code table', () => {
  it("gives every code a status in its fault domain's range and an OpenAI error type", () => {
    for (const code of CODES) {
      const spec = ERROR_CODES[code];
      assert.ok(DOMAIN_STATUSES[spec.domain](spec.status), `${code}: ${spec.status} is outside the ${spec.domain} range`);
      assert.ok(OPENAI_TYPES.has(spec.type), `${code}: unknown type ${spec.type}`);
      assert.match(code, /^[a-z]+(_[a-z]+)*$/);
    }
  });

  it('maps every code to an AWS exception of the same status class', () => {
    for (const code of CODES) {
      const aws = AWS_EXCEPTIONS[code];
      assert.ok(aws, `${code} has no AWS exception`);
      assert.match(aws.name, /^[A-Z][A-Za-z]+Exception$/, code);
      assert.equal(klass(aws.status), klass(ERROR_CODES[code].status), `${code}: ${aws.name} ${aws.status}`);
    }
    assert.deepEqual(Object.keys(AWS_EXCEPTIONS).sort(), [...CODES].sort(), 'no AWS entry for a code that does not exist');
  });

  it('maps every code to a TEI error_type and a Google status of the same class', () => {
    for (const code of CODES) {
      const err = new GatewayError(code, 'm');
      const tei = teiErrorType(err);
      assert.ok(TEI_TYPES.has(tei), `${code}: TEI type ${tei}`);
      assert.equal(['Backend', 'Unhealthy'].includes(tei), klass(err.status) === 5, `${code}: TEI ${tei} for ${err.status}`);
      const google = googleStatus(err.status);
      assert.ok(google in GOOGLE_HTTP, `${code}: Google status ${google}`);
      assert.equal(klass(GOOGLE_HTTP[google]), klass(err.status), `${code}: ${google} for ${err.status}`);
    }
    assert.equal(googleStatus(ERROR_CODES.model_not_allowed.status), 'PERMISSION_DENIED');
    assert.equal(teiErrorType(new GatewayError('rate_limit_exceeded', 'm')), 'Overloaded');
  });

  it('holds every code thrown in src/', () => {
    const thrown = new Set<string>();
    for (const file of sourceFiles(join(import.meta.dirname, '../../src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/new GatewayError\(\s*'([^']+)'/g)) thrown.add(m[1]);
      // Upstream classification tables (`{ code, failure, message }`) and hand-built envelopes.
      for (const m of text.matchAll(/\bcode: '([a-z_]+)'(?=,\s*failure:|\s*\})/g)) thrown.add(m[1]);
    }
    assert.ok(thrown.size >= 20, `found only ${thrown.size} codes: is the scan still reading src/?`);
    const unknown = [...thrown].filter((c) => !(c in ERROR_CODES));
    assert.deepEqual(unknown, []);
  });
});
