import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { buildGateway, type Gateway } from '../../src/app.js';
import { sha256Hex } from '../../src/auth/inbound/authenticator.js';
import { buildConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/log.js';
import { adminClient } from '../helpers/admin.js';
import type { FakeServer } from '../helpers/fake-server.js';
import { startFakeCohere } from '../helpers/fakes/rerank-fakes.js';
import { REDIS_URL, type PgSchema, sharedServices } from '../helpers/services.js';
import { ChartRenderer, helmRoot } from './helm-render.js';

const CHART = new URL('../../deploy/helm/rankway', import.meta.url).pathname;
const UPSTREAM_KEY = 'co-shared-upstream-key';
const CALLER = 'sk-three-replicas';

/** What each pod of `helm template` output runs with: its container env, the Secret, the ConfigMap. */
function renderedPod(): { env: Record<string, string>; configText: string } {
  const { renderer, chart, values } = ChartRenderer.fromDir(CHART);
  const objs = [...renderer.render(helmRoot(chart, values)).values()]
    .flatMap((t) => parseAllDocuments(t).map((d) => d.toJS()))
    .filter(Boolean);
  const deployment = objs.find((o) => o.kind === 'Deployment');
  const container = deployment.spec.template.spec.containers[0];
  const secret = objs.find((o) => o.kind === 'Secret' && o.metadata.name === container.envFrom[0].secretRef.name);
  const secretEnv = {
    ...Object.fromEntries(Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString()])),
    ...secret.stringData,
  };
  const configMap = objs.find((o) => o.kind === 'ConfigMap');
  return {
    env: { ...secretEnv, ...Object.fromEntries(container.env.map((e: { name: string; value: string }) => [e.name, e.value])) },
    configText: configMap.data['rankway.yaml'],
  };
}

interface Pod {
  readonly gateway: Gateway;
  readonly proxy: string;
  readonly admin: string;
}

/**
 * Three replicas as the chart's Deployment runs them, in one process: each has the rendered
 * config and environment, its own data dir (the pod's emptyDir), and the test's PostgreSQL
 * schema and Redis prefix in place of the placeholder URLs — the only values replaced.
 */
describe('three replicas from `helm template` share provider keys created through any one of them', () => {
  let skip: string | undefined;
  let schema: PgSchema;
  let cleanupRedis: () => Promise<void> = async () => undefined;
  let cohere: FakeServer;
  const pods: Pod[] = [];
  const dirs: string[] = [];
  let pod: ReturnType<typeof renderedPod>;
  let prefix: string;

  function buildPod(env: Record<string, string>): Gateway {
    const dataDir = mkdtempSync(join(tmpdir(), 'rankway-pod-'));
    dirs.push(dataDir);
    const podEnv = { ...env, DATABASE_URL: schema.url, REDIS_URL, RANKWAY_REDIS_PREFIX: prefix, RANKWAY_DATA_DIR: dataDir };
    const config = buildConfig(parseYaml(pod.configText), { env: podEnv });
    return buildGateway(config, { logger: createLogger({ level: 'silent' }), accessLog: false, env: podEnv });
  }

  async function startPod(env: Record<string, string>): Promise<Pod> {
    const gateway = buildPod(env);
    const started = {
      gateway,
      proxy: await gateway.proxy.listen({ host: '127.0.0.1', port: 0 }),
      admin: await gateway.admin.listen({ host: '127.0.0.1', port: 0 }),
    };
    pods.push(started);
    return started;
  }

  before(async () => {
    const services = await sharedServices();
    if (typeof services === 'string') {
      skip = services;
      return;
    }
    const { pg, redis } = services;
    schema = pg;
    prefix = redis.prefix;
    cleanupRedis = redis.cleanup;
    cohere = await startFakeCohere({ apiKey: UPSTREAM_KEY });
    pod = renderedPod();
    // One at a time: the first applies the migrations.
    for (let i = 0; i < 3; i++) await startPod(pod.env);
  });
  after(async () => {
    for (const p of pods) await p.gateway.close();
    await cohere?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await schema?.drop();
    await cleanupRedis();
  });

  const rerank = (p: Pod, model: string) =>
    fetch(`${p.proxy}/v1/rerank`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CALLER}` },
      body: JSON.stringify({ model, query: 'keys', documents: ['rotate keys', 'metrics'], cache: false }),
    }).then((r) => r.status);
  async function until(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it('a provider key and model created through pod 0 serve from pods 1 and 2, with the upstream key decrypted there', async (t) => {
    if (skip) return t.skip(skip);
    const admin = adminClient(pods[0].admin, pod.env.RANKWAY_ADMIN_KEY);
    const pk = await admin.call('POST', '/admin/v1/provider_keys', {
      display_name: 'cohere-shared',
      provider: 'cohere',
      adapter: 'cohere',
      secret: JSON.stringify({ api_key: UPSTREAM_KEY }),
      api_base: cohere.url,
    });
    assert.equal(pk.status, 201, pk.text);
    const model = await admin.call('POST', '/admin/v1/models', {
      display_name: 'shared-search',
      provider: 'cohere',
      model_name: 'rerank-v3.5',
      provider_key_id: pk.json.id,
    });
    assert.equal(model.status, 201, model.text);
    assert.equal((await admin.call('POST', '/admin/v1/apikeys', { key_hash: sha256Hex(CALLER) })).status, 201);

    for (const p of pods.slice(1)) {
      // The admin key from the one Secret works on every pod, too.
      assert.equal((await adminClient(p.admin, pod.env.RANKWAY_ADMIN_KEY).call('GET', '/admin/v1/models')).status, 200);
      const before = cohere.requests.length;
      await until(async () => (await rerank(p, 'shared-search')) === 200, `pod ${pods.indexOf(p)} serves shared-search`);
      const seen = cohere.requests.slice(before);
      assert.ok(seen.length > 0 && seen.every((r) => r.headers.authorization === `Bearer ${UPSTREAM_KEY}`));
    }
  });

  it('a pod with its own key, as the old emptyDir manifest had, refuses to start and names RANKWAY_SECRET_KEY', async (t) => {
    if (skip) return t.skip(skip);
    const { RANKWAY_SECRET_KEY: _dropped, ...withoutKey } = pod.env;
    const stray = buildPod(withoutKey);
    // Serving without the stored provider key would answer its callers 404 model_not_found.
    await assert.rejects(stray.ready, /stored secret\(s\) cannot be decrypted .*RANKWAY_SECRET_KEY/);
    await stray.close();
  });
});
