import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BedrockModelLookup } from '../../../src/api/bedrock/model-lookup.js';
import type { RoutingTable } from '../../../src/core/router.js';
import { GatewayError } from '../../../src/errors/gateway-error.js';

/** Only what routing reads: the name, the region, and whether the provider takes native passthrough. */
const provider = (name: string, type: string, region?: string) => ({
  name,
  config: { region },
  adapter: { type, capabilities: type === 'bedrock' ? { passthrough: { endpoints: ['runtime'] } } : {} },
});
const model = (name: string, target: string, arns: string[] = []) => ({
  name,
  target,
  arns,
  fallbacks: [],
  cache: 'pairs',
  on_failure: 'error',
});

/** A routing table shaped like the control plane's (only the fields the lookup reads). */
const table = {
  providers: new Map<string, unknown>([
    ['west', provider('west', 'bedrock', 'us-west-2')],
    ['east', provider('east', 'bedrock', 'us-east-1')],
    ['local', provider('local', 'local')],
  ]),
  models: new Map<string, unknown>([
    [
      'claude',
      model('claude', 'east/anthropic.claude-3-5-sonnet-20241022-v2:0', [
        'arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20241022-v2:0',
      ]),
    ],
    ['bm25', model('bm25', 'local/bm25', ['amazon.rerank-v1:0'])],
  ]),
} as unknown as RoutingTable;

const notFound = (fn: () => unknown) => assert.throws(fn, (e) => e instanceof GatewayError && e.code === 'model_not_found');

describe('one Bedrock model lookup for both native surfaces', () => {
  const lookup = new BedrockModelLookup(table);

  it("rerank: alias names and arns claims (full ARN or bare id), else the region's Bedrock provider", () => {
    assert.equal(lookup.resolve('bm25'), 'bm25');
    assert.equal(lookup.resolve('arn:aws:bedrock:us-west-2::foundation-model/amazon.rerank-v1:0'), 'bm25', 'the bare id is claimed');
    assert.equal(
      lookup.resolve('arn:aws:bedrock:us-west-2::foundation-model/cohere.rerank-v3-5:0'),
      'west/arn:aws:bedrock:us-west-2::foundation-model/cohere.rerank-v3-5:0',
    );
    assert.equal(lookup.resolve('cohere.rerank-v3-5:0'), 'west/cohere.rerank-v3-5:0', 'a bare id goes to the first Bedrock provider');
    notFound(() => lookup.resolve('arn:aws:bedrock:eu-west-1::foundation-model/cohere.rerank-v3-5:0'));
  });

  it('runtime: the same rules, but only aliases that target Bedrock can claim a relayed request', () => {
    const byName = lookup.resolveRuntime('claude');
    assert.equal(byName.requested, 'claude');
    assert.equal(byName.targets[0].label, 'east/anthropic.claude-3-5-sonnet-20241022-v2:0');
    const byArn = lookup.resolveRuntime('arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-sonnet-20241022-v2:0');
    assert.equal(byArn.requested, 'claude');
    const asIs = lookup.resolveRuntime('amazon.rerank-v1:0');
    assert.equal(asIs.alias, undefined, 'bm25 targets a local provider, so it cannot answer a relayed request');
    assert.equal(asIs.targets[0].label, 'west/amazon.rerank-v1:0');
    assert.equal(
      lookup.resolveRuntime('arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.x').targets[0].provider,
      table.providers.get('east'),
    );
    notFound(() => lookup.resolveRuntime('arn:aws:bedrock:ap-south-1::foundation-model/x'));
  });

  it("runtime: the target goes through the router's capability check (a provider without native passthrough cannot serve it)", () => {
    const noPassthrough = {
      providers: new Map<string, unknown>([
        ['west', { name: 'west', config: { region: 'us-west-2' }, adapter: { type: 'bedrock', capabilities: {} } }],
      ]),
      models: new Map<string, unknown>(),
    } as unknown as RoutingTable;
    assert.throws(
      () => new BedrockModelLookup(noPassthrough).resolveRuntime('amazon.nova-lite-v1:0'),
      (e) => e instanceof GatewayError && e.code === 'capability_not_supported',
    );
  });
});
