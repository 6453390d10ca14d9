import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../../src/config/interpolate.js';
import { buildConfig, findConfigFile, loadConfig } from '../../src/config/load.js';

/** The problems a config raises, or a failure when it loads. */
function problems(raw: unknown, env: NodeJS.ProcessEnv = {}): readonly string[] {
  try {
    buildConfig(raw, { env });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('config was accepted');
}

const cohere = (extra: Record<string, unknown> = {}) => ({ name: 'co', type: 'cohere', api_key: 'k', ...extra });

describe('config validation names the path of every problem', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    [
      'bad base_url',
      { providers: [cohere(), { name: 'v', type: 'vllm', base_url: 'http://v:8000' }, { name: 't', type: 'tei', base_url: 'not a url' }] },
      /^providers\[2\]\.base_url: /,
    ],
    ['target without provider', { models: [{ name: 'search', target: 'rerank-v3.5' }] }, /^models\[0\]\.target: must be "provider\/model"/],
    [
      'target on an unknown provider',
      { models: [{ name: 'search', target: 'nope/rerank-v3.5' }] },
      /^models\[0\]\.target: provider "nope" is not configured/,
    ],
    [
      'unknown model of a fixed-model provider',
      { models: [{ name: 's', target: 'local/bm99' }] },
      /^models\[0\]\.target: provider "local" has no model "bm99"/,
    ],
    [
      'bad fallback',
      { providers: [cohere()], models: [{ name: 's', target: 'co/x', fallbacks: ['local/bm25', 'ghost/y'] }] },
      /^models\[0\]\.fallbacks\[1\]: provider "ghost"/,
    ],
    [
      'unknown provider type',
      { providers: [cohere(), { name: 'x', type: 'sagemaker' }] },
      /^providers\[1\]\.type: unknown provider type "sagemaker" \(known: cohere, /,
    ],
    ['duplicate provider name', { providers: [cohere(), cohere()] }, /^providers\[1\]\.name: "co" is already used/],
    ['missing required api_key', { providers: [{ name: 'co', type: 'cohere' }] }, /^providers\[0\]\.api_key: /],
    ['provider-specific field', { providers: [cohere({ api_version: 'v3' })] }, /^providers\[0\]\.api_version: /],
    ['negative retries', { providers: [cohere({ max_retries: -1 })] }, /^providers\[0\]\.max_retries: /],
    ['port out of range', { server: { port: 70000 } }, /^server\.port: /],
    ['bad auth mode', { server: { auth: 'maybe' } }, /^server\.auth: /],
    [
      'bad key hash',
      { server: { auth: 'keys', keys: [{ name: 'a', key_sha256: 'abc' }] } },
      /^server\.keys\[0\]\.key_sha256: must be the lowercase hex sha256/,
    ],
    ['unknown top-level key', { sever: {} }, /^sever: unknown key \(did you mean server\?\)$/],
    ['unknown server key', { server: { prot: 1 } }, /^server\.prot: unknown key \(did you mean port\?\)$/],
    [
      'duplicate alias',
      {
        models: [
          { name: 's', target: 'local/bm25' },
          { name: 's', target: 'local/bm25' },
        ],
      },
      /^models\[1\]\.name: "s" is defined twice/,
    ],
  ];
  for (const [name, raw, pattern] of cases) {
    it(name, () => {
      const found = problems(raw);
      assert.ok(
        found.some((p) => pattern.test(p)),
        `no problem matches ${pattern}: ${JSON.stringify(found)}`,
      );
    });
  }

  it('reports every problem at once, not just the first', () => {
    const found = problems({
      providers: [cohere(), { name: 'x', type: 'sagemaker' }],
      models: [
        { name: 'a', target: 'ghost/m' },
        { name: 'b', target: 'co/m', fallbacks: ['ghost2/m'] },
      ],
    });
    assert.equal(found.length, 3, JSON.stringify(found));
    const err = new ConfigError(found);
    assert.match(err.message, /providers\[1\]\.type[\s\S]*models\[0\]\.target[\s\S]*models\[1\]\.fallbacks\[0\]/);
  });

  // Regression: a schema error in one section hid the model targets' problems.
  it('lists model target and fallback problems even when another section fails its schema', () => {
    const found = problems({
      server: { auth: 'key' },
      providers: [cohere()],
      models: [{ name: 'a', target: 'cohre/m', fallbacks: ['a', 'ghost/m'] }],
    });
    assert.deepEqual(found.slice(1), [
      'models[0].target: provider "cohre" is not configured',
      'models[0].fallbacks[1]: provider "ghost" is not configured',
    ]);
    assert.match(found[0], /^server\.auth: /);
  });

  it('an empty config is the embedded default: local/bm25 on loopback without auth', () => {
    const config = buildConfig({}, { env: {} });
    assert.equal(config.server.host, '127.0.0.1');
    assert.equal(config.server.port, 3000);
    assert.equal(config.server.admin_port, 3001);
    assert.equal(config.server.auth, 'none');
    assert.deepEqual([...config.providers.keys()], ['local']);
    assert.equal(config.source, null);
  });
});

describe('${VAR} interpolation', () => {
  it('replaces ${VAR} and ${VAR:-default}, typing whole-value numbers and booleans', () => {
    const config = buildConfig(
      {
        server: { port: '${GW_PORT}', host: '${GW_HOST:-127.0.0.2}', allow_unauthenticated_remote: '${ALLOW:-false}' },
        providers: [
          {
            name: 'co',
            type: 'cohere',
            api_key: '${CO_KEY}',
            base_url: 'https://${CO_HOST:-api.cohere.com}/x',
            timeout_ms: '${CO_TIMEOUT:-1500}',
          },
        ],
      },
      { env: { GW_PORT: '8080', CO_KEY: 'secret-1', CO_HOST: '' } },
    );
    assert.equal(config.server.port, 8080);
    assert.equal(config.server.host, '127.0.0.2');
    assert.equal(config.server.allow_unauthenticated_remote, false);
    const co = config.providers.get('co')!.config;
    assert.equal(co.api_key, 'secret-1');
    assert.equal(co.base_url, 'https://api.cohere.com/x', 'an empty variable takes the default');
    assert.equal(co.timeout_ms, 1500);
  });

  it('a missing variable without a default is an error naming the variable and where it is used', () => {
    const found = problems({ providers: [cohere({ api_key: '${COHERE_API_KEY}' })] });
    assert.deepEqual(found, ['providers[0].api_key: environment variable COHERE_API_KEY is not set']);
  });

  it('never echoes the value of a variable into an error', () => {
    const found = problems({ server: { port: '${P}' } }, { P: 'hunter2' });
    assert.ok(found.some((p) => p.startsWith('server.port')));
    assert.ok(!found.some((p) => p.includes('hunter2')), JSON.stringify(found));
  });
});

describe('environment overrides', () => {
  it('PORT, HOST, ADMIN_PORT, ADMIN_HOST and RANKWAY_DATA_DIR win over the file', () => {
    const config = buildConfig(
      { server: { port: 1, host: '127.0.0.1', admin_port: 2, admin_host: '127.0.0.1' }, storage: { data_dir: './x' } },
      { env: { PORT: '4000', HOST: '0.0.0.0', ADMIN_PORT: '4001', ADMIN_HOST: '::1', RANKWAY_DATA_DIR: '/tmp/rw' } },
    );
    assert.equal(config.server.port, 4000);
    assert.equal(config.server.host, '0.0.0.0');
    assert.equal(config.server.admin_port, 4001);
    assert.equal(config.server.admin_host, '::1');
    assert.equal(config.storage.data_dir, '/tmp/rw');
  });

  it('unset or empty variables leave the file values', () => {
    const config = buildConfig({ server: { port: 5000 } }, { env: { PORT: '' } });
    assert.equal(config.server.port, 5000);
  });

  it('an invalid PORT is a config error naming the variable', () => {
    assert.throws(
      () => buildConfig({}, { env: { PORT: 'eighty' } }),
      (err: ConfigError) => err.problems[0] === 'PORT: "eighty" is not a valid port',
    );
    assert.throws(() => buildConfig({}, { env: { ADMIN_PORT: '70000' } }), /ADMIN_PORT: "70000" is not a valid port/);
  });
});

describe('finding the config file', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rankway-config-'));
    writeFileSync(join(dir, 'a.yaml'), 'server:\n  port: 1111\n');
    writeFileSync(join(dir, 'b.yaml'), 'server:\n  port: 2222\n');
    writeFileSync(join(dir, 'bad.yaml'), 'server: [unclosed\n');
    writeFileSync(join(dir, 'env.yaml'), 'providers:\n  - name: co\n    type: cohere\n    api_key: ${CO_KEY}\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--config wins over RANKWAY_CONFIG, which wins over ./rankway.yaml', () => {
    writeFileSync(join(dir, 'rankway.yaml'), 'server:\n  port: 3333\n');
    try {
      const env = { RANKWAY_CONFIG: 'b.yaml' };
      assert.equal(findConfigFile({ argv: ['--config', 'a.yaml'], env, cwd: dir }), join(dir, 'a.yaml'));
      assert.equal(findConfigFile({ argv: ['--config=a.yaml'], env, cwd: dir }), join(dir, 'a.yaml'));
      assert.equal(findConfigFile({ argv: [], env, cwd: dir }), join(dir, 'b.yaml'));
      assert.equal(findConfigFile({ argv: [], env: {}, cwd: dir }), join(dir, 'rankway.yaml'));
      assert.equal(loadConfig({ argv: ['--config', 'a.yaml'], env, cwd: dir }).server.port, 1111);
      assert.equal(loadConfig({ argv: [], env, cwd: dir }).server.port, 2222);
      assert.equal(loadConfig({ argv: [], env: {}, cwd: dir }).server.port, 3333);
    } finally {
      rmSync(join(dir, 'rankway.yaml'));
    }
  });

  it('no file at all is the embedded default', () => {
    assert.equal(findConfigFile({ argv: [], env: {}, cwd: dir }), null);
    assert.equal(loadConfig({ argv: [], env: {}, cwd: dir }).source, null);
  });

  it('loads YAML with interpolation and records its source', () => {
    const config = loadConfig({ argv: ['--config', 'env.yaml'], env: { CO_KEY: 'from-env' }, cwd: dir });
    assert.equal(config.providers.get('co')!.config.api_key, 'from-env');
    assert.equal(config.source, join(dir, 'env.yaml'));
  });

  it('a missing file, invalid YAML or --config without a path are clear errors', () => {
    assert.throws(() => loadConfig({ argv: ['--config', 'missing.yaml'], env: {}, cwd: dir }), /cannot read config file .*missing\.yaml/);
    assert.throws(() => loadConfig({ argv: ['--config', 'bad.yaml'], env: {}, cwd: dir }), /bad\.yaml is not valid YAML/);
    assert.throws(() => loadConfig({ argv: ['--config'], env: {}, cwd: dir }), /--config needs a file path/);
  });
});
