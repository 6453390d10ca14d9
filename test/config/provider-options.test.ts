import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../../src/config/interpolate.js';
import { buildConfig } from '../../src/config/load.js';
import { editDistance, suggestKey } from '../../src/config/suggest.js';
import { metadataAddressProblem } from '../../src/config/upstream-address.js';
import { cohereApiVersion, cohereProvider } from '../../src/providers/cohere/index.js';
import { PROVIDER_TYPES } from '../../src/providers/registry.js';

function problems(raw: unknown): readonly string[] {
  try {
    buildConfig(raw, { env: {} });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('config was accepted');
}

/** A minimal valid entry of each provider type. */
const VALID: Record<string, Record<string, unknown>> = {
  cohere: { api_key: 'k' },
  bedrock: { region: 'us-east-1' },
  vllm: { base_url: 'http://vllm:8000' },
  tei: { base_url: 'http://tei:8080' },
  jina: { api_key: 'k' },
  voyage: { api_key: 'k' },
  'openai-compatible': { base_url: 'http://ranker:8000' },
  openai: { api_key: 'k' },
  local: {},
  vertex: { project: 'p', access_token: 't' },
};
const entry = (type: string, extra: Record<string, unknown> = {}) => ({ name: `p-${type}`, type, ...VALID[type], ...extra });

describe('provider entries are strict, with a did-you-mean', () => {
  it('covers every registered provider type', () => {
    assert.deepEqual(Object.keys(VALID).sort(), [...PROVIDER_TYPES.keys()].sort());
  });

  for (const type of Object.keys(VALID)) {
    it(`${type}: a valid entry loads, and a typo of a common key is refused with its path`, () => {
      assert.ok(buildConfig({ providers: [entry(type)] }, { env: {} }).providers.has(`p-${type}`));
      assert.deepEqual(problems({ providers: [entry(type, { timeout_msec: 5 })] }), [
        'providers[0].timeout_msec: unknown key (did you mean timeout_ms?)',
      ]);
      assert.deepEqual(problems({ providers: [entry('local'), entry(type, { zzz_unrelated: 1 })] }), [
        'providers[1].zzz_unrelated: unknown key',
      ]);
    });
  }

  const dangerous: Array<[string, string, Record<string, unknown>, string[]]> = [
    [
      'vertex key file under the Google tools name',
      'vertex',
      { access_token: undefined, service_account_key_file: '/k.json' },
      ['providers[0].service_account_key_file: unknown key (did you mean credentials_file?)'],
    ],
    [
      'bedrock static keys under short names',
      'bedrock',
      { access_key: 'AKIA', secret_key: 's' },
      [
        'providers[0].access_key: unknown key (did you mean access_key_id?)',
        'providers[0].secret_key: unknown key (did you mean secret_access_key?)',
      ],
    ],
    [
      'cohere private endpoint as base_uri',
      'cohere',
      { base_uri: 'https://cohere.internal' },
      ['providers[0].base_uri: unknown key (did you mean base_url?)'],
    ],
    [
      'openai azure version at the top level',
      'openai',
      { api_version: '2024-10-21' },
      ['providers[0].api_version: unknown key (did you mean azure?)'],
    ],
    ['jina misspelt api key', 'jina', { apikey: 'k2' }, ['providers[0].apikey: unknown key (did you mean api_key?)']],
    [
      'voyage misspelt max_concurrency',
      'voyage',
      { max_concurency: 3 },
      ['providers[0].max_concurency: unknown key (did you mean max_concurrency?)'],
    ],
    ['tei header map under another name', 'tei', { header: { a: 'b' } }, ['providers[0].header: unknown key (did you mean headers?)']],
    ['vllm retries', 'vllm', { retries: 3 }, ['providers[0].retries: unknown key (did you mean max_retries?)']],
    [
      'openai-compatible base url',
      'openai-compatible',
      { baseurl: 'http://x' },
      ['providers[0].baseurl: unknown key (did you mean base_url?)'],
    ],
    [
      'nested azure key',
      'openai',
      { azure: { api_versoin: '1' } },
      [
        'providers[0].azure.api_version: Invalid input: expected string, received undefined',
        'providers[0].azure.api_versoin: unknown key (did you mean api_version?)',
      ],
    ],
  ];
  for (const [name, type, extra, expected] of dangerous) {
    it(name, () => assert.deepEqual(problems({ providers: [entry(type, extra)] }), expected));
  }

  it('lists provider problems together with problems in other sections', () => {
    const found = problems({
      server: { prot: 1 },
      storage: { datadir: 'x' },
      models: [{ name: 'a', target: 'local/bm25', fallback: [] }],
      providers: [entry('vertex', { service_account_key_file: '/k' })],
    });
    assert.deepEqual(found, [
      'server.prot: unknown key (did you mean port?)',
      'storage.datadir: unknown key (did you mean data_dir?)',
      'models[0].fallback: unknown key (did you mean fallbacks?)',
      'providers[0].service_account_key_file: unknown key (did you mean credentials_file?)',
    ]);
  });
});

describe('suggestKey', () => {
  it('prefers a declared hint, then the closest key, and stays silent when nothing is close', () => {
    assert.equal(suggestKey('key_file', ['credentials_file', 'project'], { key_file: 'credentials_file' }), 'credentials_file');
    assert.equal(suggestKey('prot', ['port', 'host', 'auth']), 'port');
    assert.equal(suggestKey('hots', ['port', 'host']), 'host');
    assert.equal(suggestKey('banana', ['port', 'host']), undefined);
    assert.equal(suggestKey('x', ['y']), undefined);
    assert.equal(editDistance('ab', 'ba'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });
});

describe('provider base URLs', () => {
  const refused = [
    'http://169.254.169.254/latest/meta-data/',
    'http://2852039166/',
    'http://169.254.170.2/v2/credentials',
    'http://[fe80::1]/',
    'http://[febf::1]:8080/',
    'http://[fd00:ec2::254]/',
    'http://metadata.google.internal/computeMetadata/v1/',
    'http://METADATA.GOOGLE.INTERNAL./',
    'http://100.100.100.200/latest/meta-data/',
    'http://[::ffff:169.254.169.254]/',
  ];
  for (const url of refused) {
    it(`refuses ${url} unless upstreams.allow_metadata_addresses`, () => {
      assert.ok(metadataAddressProblem(url), url);
      const found = problems({ providers: [entry('vllm', { base_url: url })] });
      assert.equal(found.length, 1, JSON.stringify(found));
      assert.match(found[0], /^providers\[0\]\.base_url: .* refused unless upstreams\.allow_metadata_addresses is true$/);
      assert.ok(buildConfig({ upstreams: { allow_metadata_addresses: true }, providers: [entry('vllm', { base_url: url })] }, { env: {} }));
    });
  }
  for (const url of [
    'http://10.0.0.5:8000',
    'https://api.cohere.com',
    'http://[fec0::1]/',
    'http://169.255.0.1/',
    'http://localhost:8000',
    'http://[::1]:9000',
  ]) {
    it(`accepts ${url}`, () => assert.equal(metadataAddressProblem(url), undefined));
  }
  it('checks every URL option, not only base_url', () => {
    const found = problems({
      providers: [entry('bedrock', { sts_endpoint: 'http://169.254.169.254/', runtime_endpoint: 'http://[fd00:ec2::254]/' })],
    });
    assert.deepEqual(
      found.map((p) => p.split(':')[0]),
      ['providers[0].runtime_endpoint', 'providers[0].sts_endpoint'],
    );
  });
  for (const url of ['file:///etc/passwd', 'ftp://host/x', 'gopher://h/']) {
    it(`refuses the scheme of ${url}`, () => {
      assert.deepEqual(problems({ providers: [entry('vllm', { base_url: url })] }), [
        'providers[0].base_url: must be an http:// or https:// URL',
      ]);
    });
  }
});

describe('vertex credentials_file is checked when the config loads', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rankway-vertex-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const vertex = (file: string) => ({ providers: [{ name: 'vx', type: 'vertex', project: 'p', credentials_file: file }] });

  it('a missing file is a config error with its path, not a stack trace later', () => {
    const missing = join(dir, 'nope.json');
    assert.deepEqual(problems(vertex(missing)), [`providers[0].credentials_file: cannot read ${missing} (no such file)`]);
  });
  it('a directory, a non-JSON file and a JSON file that is no service-account key are refused too', () => {
    assert.deepEqual(problems(vertex(dir)), [`providers[0].credentials_file: cannot read ${dir} (it is a directory)`]);
    const text = join(dir, 'k.txt');
    writeFileSync(text, 'hello');
    assert.deepEqual(problems(vertex(text)), [`providers[0].credentials_file: ${text} is not JSON (expected a service-account key)`]);
    const other = join(dir, 'other.json');
    writeFileSync(other, '{"type":"authorized_user"}');
    assert.match(problems(vertex(other))[0], /is not a service-account key \(needs client_email and private_key\)$/);
  });
  it('a readable service-account key loads', () => {
    const good = join(dir, 'sa.json');
    writeFileSync(good, JSON.stringify({ client_email: 'a@b.iam.gserviceaccount.com', private_key: '-----BEGIN PRIVATE KEY-----\n...' }));
    assert.ok(buildConfig(vertex(good), { env: {} }).providers.has('vx'));
  });
});

describe('cohere on Heroku speaks v1 by itself', () => {
  const pathFor = (extra: Record<string, unknown>): string => {
    const config = cohereProvider.configSchema.parse({ name: 'h', type: 'cohere', api_key: 'k', ...extra });
    const rerank = cohereProvider.create(config).capabilities.rerank;
    assert.ok(rerank && rerank.kind === 'http');
    return rerank.build({ query: 'q', documents: [{ text: 'a' }], topN: 1 } as never, { provider: 'h', model: 'm' }).path;
  };
  it('a Heroku inference host uses /v1/rerank', () => {
    assert.equal(pathFor({ base_url: 'https://us.inference.heroku.com' }), '/v1/rerank');
    assert.equal(pathFor({ base_url: 'https://eu.inference.heroku.com/' }), '/v1/rerank');
    assert.equal(cohereApiVersion({ base_url: 'https://inference.heroku.com' }), 'v1');
  });
  it('other hosts keep v2, and an explicit api_version wins', () => {
    assert.equal(pathFor({}), '/v2/rerank');
    assert.equal(pathFor({ base_url: 'https://notinference.heroku.com.evil.example' }), '/v2/rerank');
    assert.equal(pathFor({ base_url: 'https://example-inference.heroku.com' }), '/v2/rerank');
    assert.equal(pathFor({ base_url: 'https://us.inference.heroku.com', api_version: 'v2' }), '/v2/rerank');
    assert.equal(pathFor({ base_url: 'https://cohere.azure.example', api_version: 'v1' }), '/v1/rerank');
  });
});
