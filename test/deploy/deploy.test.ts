import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { buildConfig } from '../../src/config/load.js';
import { checkListenPolicy } from '../../src/server/listen-policy.js';

const root = new URL('../../', import.meta.url);
const manifests = parseAllDocuments(readFileSync(new URL('deploy/kubernetes/rankway.yaml', root), 'utf8')).map((d) => d.toJS());
const byKind = (kind: string) => manifests.find((m) => m.kind === kind);

describe('deployment artefacts', () => {
  it('the Kubernetes example runs several replicas, probes /readyz and takes URLs from a Secret', () => {
    const deployment = byKind('Deployment');
    assert.ok(deployment.spec.replicas >= 2);
    const container = deployment.spec.template.spec.containers[0];
    assert.equal(container.readinessProbe.httpGet.path, '/readyz');
    assert.equal(container.readinessProbe.httpGet.port, 'admin');
    assert.equal(container.livenessProbe.httpGet.path, '/healthz');
    assert.deepEqual(container.envFrom, [{ secretRef: { name: 'rankway-secrets' } }]);
    const secret = byKind('Secret');
    assert.ok(secret.stringData.DATABASE_URL.startsWith('postgres://'));
    assert.ok(secret.stringData.REDIS_URL.startsWith('redis://'));
    assert.ok(deployment.spec.template.spec.terminationGracePeriodSeconds * 1000 > 25_000 + 5_000, 'grace period covers preStop + drain');
  });

  it('keeps the admin port private: the Service exposes only the proxy port', () => {
    const service = byKind('Service');
    assert.deepEqual(service.spec.ports.map((p: { targetPort: string }) => p.targetPort), ['proxy']);
  });

  it('the ConfigMap holds a config Rankway accepts, with the Secret values interpolated', () => {
    const raw = byKind('ConfigMap').data['rankway.yaml'];
    const secret = byKind('Secret').stringData;
    const config = buildConfig(parseAllDocuments(raw)[0].toJS(), { env: { ...secret, HOST: '0.0.0.0' } });
    assert.equal(config.storage.database_url, secret.DATABASE_URL);
    assert.equal(config.storage.redis_url, secret.REDIS_URL);
    assert.equal(config.server.auth, 'keys');
    assert.ok(config.server.shutdown_timeout_ms < byKind('Deployment').spec.template.spec.terminationGracePeriodSeconds * 1000);
    checkListenPolicy(config.server, {});
  });

  it('the Dockerfile is multi-stage, runs as a non-root user and has a health check', () => {
    const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
    assert.ok((dockerfile.match(/^FROM /gm) ?? []).length >= 2);
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /^HEALTHCHECK .*\n?.*\/healthz/m);
    assert.match(dockerfile, /^CMD \["node", "dist\/src\/main\.js"\]$/m);
  });
});
