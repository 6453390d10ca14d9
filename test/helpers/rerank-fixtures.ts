import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { RerankCall, RerankDocument } from '../../src/canonical/rerank.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { PROVIDER_TYPES } from '../../src/providers/registry.js';
import type { HttpRerankCapability, ProviderAdapter, UpstreamReply } from '../../src/providers/types.js';

/**
 * Recorded-fixture runner for rerank translators. Each case directory under
 * `test/fixtures/<provider>/rerank/<case>/` holds:
 * - `input.json`: `{config?, model, call: {query, documents: [{text, id?, meta?}], topN, ...}}`
 * - `upstream-request.json` (optional for error cases): what `build` must return
 * - `upstream-response.json`: `{status, headers?, body}` or `{status, headers?, text}` for non-JSON bodies
 * - `expected.json`: `{scores, usage}` or `{error: {code, failure, upstreamStatus?, retryAfterMs?, detailIncludes?}}`
 */
interface FixtureInput {
  readonly config?: Record<string, unknown>;
  readonly model: string;
  readonly call: Omit<RerankCall, 'documents'> & { documents: Array<{ text: string; id?: string; meta?: Record<string, unknown> }> };
}

interface FixtureResponse {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
  readonly text?: string;
}

interface ExpectedError {
  readonly code: string;
  readonly failure: string;
  readonly upstreamStatus?: number;
  readonly retryAfterMs?: number;
  readonly detailIncludes?: string;
}

type Expected =
  | { readonly scores: Array<{ index: number; score: number }>; readonly usage: Record<string, number> }
  | { readonly error: ExpectedError };

const FIXTURES = new URL('../fixtures/', import.meta.url).pathname;
const readJson = (path: string): any => JSON.parse(readFileSync(path, 'utf8'));

export function adapterFor(type: string, extra: Record<string, unknown> = {}): ProviderAdapter {
  const def = PROVIDER_TYPES.get(type);
  assert.ok(def, `unknown provider type ${type}`);
  const config = def.configSchema.parse({ name: type, type, api_key: 'fixture-key', base_url: 'http://upstream.test', ...extra });
  return def.create(config);
}

export function replyFrom(response: FixtureResponse): UpstreamReply {
  const text = response.text ?? JSON.stringify(response.body);
  return { status: response.status, headers: response.headers ?? {}, body: Buffer.from(text, 'utf8') };
}

const fullUsage = (u: Record<string, number | undefined>) => ({
  inputTokens: u.inputTokens ?? 0,
  outputTokens: u.outputTokens ?? 0,
  searchUnits: u.searchUnits ?? 0,
  queries: u.queries ?? 0,
});

function checkError(err: unknown, want: ExpectedError): void {
  assert.ok(err instanceof GatewayError, `expected a GatewayError, got ${String(err)}`);
  assert.equal(err.code, want.code);
  assert.equal(err.failure, want.failure);
  if (want.upstreamStatus !== undefined) assert.equal(err.upstreamStatus, want.upstreamStatus);
  if (want.retryAfterMs !== undefined) assert.equal(err.retryAfterMs, want.retryAfterMs);
  if (want.detailIncludes !== undefined)
    assert.ok(err.detail?.includes(want.detailIncludes), `detail "${err.detail}" lacks "${want.detailIncludes}"`);
  // What callers see is a fixed sentence, never the upstream body.
  assert.doesNotMatch(err.message, /account|secret|arn:/i);
}

/** Registers one test per fixture case of `provider` (a folder under test/fixtures). */
export function runRerankFixtures(provider: string, type = provider): void {
  const root = join(FIXTURES, provider, 'rerank');
  const cases = readdirSync(root).sort();
  describe(`${provider} rerank translator (fixtures)`, () => {
    it('has success, error and bad-shape cases', () => {
      assert.ok(cases.some((c) => c.startsWith('ok-')));
      assert.ok(cases.some((c) => c.startsWith('error-')));
      assert.ok(cases.some((c) => c.startsWith('bad-')));
    });
    for (const name of cases) {
      it(name, () => {
        const dir = join(root, name);
        const input = readJson(join(dir, 'input.json')) as FixtureInput;
        const adapter = adapterFor(type, input.config);
        const capability = adapter.capabilities.rerank as HttpRerankCapability;
        assert.equal(capability.kind, 'http');
        const documents: RerankDocument[] = input.call.documents.map((d) => ({ ...d, source: d }));
        const call: RerankCall = { ...input.call, documents };
        const target = { provider: type, model: input.model };

        const requestFile = join(dir, 'upstream-request.json');
        if (existsSync(requestFile)) {
          const built = capability.build(call, target);
          assert.deepEqual(JSON.parse(JSON.stringify(built)), readJson(requestFile));
        }
        const reply = replyFrom(readJson(join(dir, 'upstream-response.json')));
        const expected = readJson(join(dir, 'expected.json')) as Expected;
        if ('error' in expected) {
          let thrown: unknown;
          try {
            if (reply.status >= 300) thrown = adapter.parseError(reply);
            else capability.parse(reply, call);
          } catch (err) {
            thrown = err;
          }
          checkError(thrown, expected.error);
          return;
        }
        assert.ok(reply.status < 300, 'success fixtures answer 2xx');
        const result = capability.parse(reply, call);
        assert.deepEqual(result.scores, expected.scores);
        assert.deepEqual(fullUsage(result.usage), fullUsage(expected.usage));
      });
    }
  });
}
