import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import { buildConfig } from '../../src/config/load.js';
import { checkListenPolicy } from '../../src/server/listen-policy.js';
import { ChartRenderer, helmRoot, mergeValues } from './helm-render.js';
import { validateObjects, type K8sObject } from './k8s-schema.js';

const root = new URL('../../', import.meta.url);
const CHART = new URL('deploy/helm/rankway', root).pathname;
const yamlDocs = (text: string): any[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter((o) => o !== null);
const readDocs = (path: string): any[] => yamlDocs(readFileSync(new URL(path, root), 'utf8'));

const manifests = readDocs('deploy/kubernetes/rankway.yaml');
const hpaExample = readDocs('deploy/kubernetes/hpa-example.yaml');
const { renderer, chart, values } = ChartRenderer.fromDir(CHART);
/** `helm template rankway deploy/helm/rankway [--set ...]`, as objects. */
const renderChart = (overrides: Record<string, unknown> = {}): any[] =>
  [...renderer.render(helmRoot(chart, mergeValues(values, overrides))).values()].flatMap(yamlDocs);
const CHART_VARIANTS: Record<string, Record<string, unknown>> = {
  'default values': {},
  'autoscaling on': { autoscaling: { enabled: true } },
  'an existing Secret': { secrets: { existingSecret: 'my-rankway' } },
  'keys given in values': { secrets: { secretKey: 'a'.repeat(64), adminKey: 'rk-admin-helm' }, otlpEndpoint: 'http://otel:4318' },
};

const one = (objs: any[], kind: string, name?: string): any => {
  const found = objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  assert.equal(found.length, 1, `exactly one ${kind}${name ? ` ${name}` : ''}`);
  return found[0];
};
const decode = (secret: any): Record<string, string> => ({
  ...Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString()])),
  ...(secret.stringData ?? {}),
});
const matches = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * What three replicas need to work together, checked on a rendered set of objects.
 * `externalSecret` names a Secret the operator manages (not in the render).
 */
function checkFleetShape(objs: any[], options: { externalSecret?: string } = {}): void {
  const deployment = one(objs, 'Deployment');
  const pod = deployment.spec.template;
  const podLabels = pod.metadata.labels;
  assert.ok(matches(deployment.spec.selector.matchLabels, podLabels), 'the Deployment selects its own pods');
  const hpa = objs.find((o) => o.kind === 'HorizontalPodAutoscaler');
  if (hpa) {
    assert.equal(deployment.spec.replicas, undefined, 'with an HPA the Deployment leaves the replica count to it');
    assert.equal(hpa.spec.scaleTargetRef.name, deployment.metadata.name);
    assert.ok(hpa.spec.minReplicas >= 3);
  } else {
    assert.equal(deployment.spec.replicas, 3);
  }
  assert.equal(pod.spec.containers.length, 1);
  const c = pod.spec.containers[0];

  // One secret key source for every pod: RANKWAY_SECRET_KEY from a Secret, never the data dir.
  const secretRefs: string[] = (c.envFrom ?? []).map((e: any) => e.secretRef?.name).filter(Boolean);
  assert.equal(secretRefs.length, 1, 'the environment comes from one Secret');
  assert.ok(
    !(c.env ?? []).some((e: any) => ['RANKWAY_SECRET_KEY', 'DATABASE_URL', 'REDIS_URL', 'RANKWAY_ADMIN_KEY'].includes(e.name)),
    'not overridden per container',
  );
  let secretEnv: Record<string, string>;
  if (options.externalSecret) {
    assert.equal(secretRefs[0], options.externalSecret);
    assert.equal(
      objs.find((o) => o.kind === 'Secret'),
      undefined,
      'no Secret of ours beside the operator-managed one',
    );
    secretEnv = {
      RANKWAY_SECRET_KEY: 'k'.repeat(64),
      RANKWAY_ADMIN_KEY: 'a',
      DATABASE_URL: 'postgres://db/x',
      REDIS_URL: 'redis://r:6379',
      COHERE_API_KEY: 'c',
    };
  } else {
    secretEnv = decode(one(objs, 'Secret', secretRefs[0]));
  }
  assert.ok(secretEnv.RANKWAY_SECRET_KEY && secretEnv.RANKWAY_SECRET_KEY.length >= 32, 'the secret key is in the Secret');
  assert.ok(secretEnv.RANKWAY_ADMIN_KEY, 'one admin key for the fleet');
  assert.match(secretEnv.DATABASE_URL, /^postgres(ql)?:\/\//);
  assert.match(secretEnv.REDIS_URL, /^rediss?:\/\//);

  // The config every pod reads, with the pod's environment: shared PostgreSQL and Redis.
  const env: Record<string, string> = { ...secretEnv, ...Object.fromEntries((c.env ?? []).map((e: any) => [e.name, e.value])) };
  const configMount = c.volumeMounts.find((m: any) => env.RANKWAY_CONFIG.startsWith(m.mountPath + '/'));
  assert.ok(configMount?.readOnly, 'RANKWAY_CONFIG points into the read-only config mount');
  const configVolume = pod.spec.volumes.find((v: any) => v.name === configMount.name);
  const configMap = one(objs, 'ConfigMap', configVolume.configMap.name);
  const configText = configMap.data[env.RANKWAY_CONFIG.slice(configMount.mountPath.length + 1)];
  const config = buildConfig(parseYaml(configText), { env });
  assert.equal(config.storage.database_url, secretEnv.DATABASE_URL, 'every replica uses the shared PostgreSQL');
  assert.equal(config.storage.redis_url, secretEnv.REDIS_URL, 'every replica uses the shared Redis');
  assert.equal(config.server.auth, 'keys');
  checkListenPolicy(config.server, {});

  // Probes on the admin port, which is the one Rankway's admin listener uses.
  const ports = Object.fromEntries(c.ports.map((p: any) => [p.name, p.containerPort]));
  assert.equal(ports.admin, config.server.admin_port);
  assert.equal(ports.proxy, config.server.port);
  assert.equal(c.livenessProbe.httpGet.path, '/livez');
  assert.equal(c.livenessProbe.httpGet.port, 'admin');
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  assert.equal(c.readinessProbe.httpGet.port, 'admin');
  assert.equal(c.startupProbe?.httpGet.path ?? '/livez', '/livez');

  // Shutdown: the grace period covers the preStop pause plus Rankway's drain.
  const preStopSeconds = Number(c.lifecycle.preStop.exec.command.at(-1));
  assert.ok(pod.spec.terminationGracePeriodSeconds * 1000 > config.server.shutdown_timeout_ms + preStopSeconds * 1000);

  // Resources and the sandbox: non-root, read-only root, writable data dir and /tmp.
  for (const kind of ['requests', 'limits']) for (const r of ['cpu', 'memory']) assert.ok(c.resources[kind]?.[r], `resources.${kind}.${r}`);
  assert.equal(pod.spec.securityContext.runAsNonRoot, true);
  assert.ok(pod.spec.securityContext.runAsUser > 0);
  assert.equal(c.securityContext.readOnlyRootFilesystem, true);
  assert.equal(c.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
  for (const dir of [env.RANKWAY_DATA_DIR, '/tmp']) {
    const mount = c.volumeMounts.find((m: any) => m.mountPath === dir);
    assert.ok(mount && !mount.readOnly, `${dir} is a writable volume`);
    assert.ok(pod.spec.volumes.find((v: any) => v.name === mount.name)?.emptyDir, `${dir} is an emptyDir`);
  }

  // At most one replica down for voluntary disruptions.
  const pdb = one(objs, 'PodDisruptionBudget');
  assert.ok(matches(pdb.spec.selector.matchLabels, podLabels), 'the PDB selects the pods');
  assert.ok(pdb.spec.minAvailable >= 2 || pdb.spec.maxUnavailable === 1, 'minAvailable >= 2 or maxUnavailable 1');

  // Services: the proxy port for callers, the admin port in-cluster only.
  const services = objs.filter((o) => o.kind === 'Service');
  for (const s of services) assert.ok(matches(s.spec.selector, podLabels), `Service ${s.metadata.name} selects the pods`);
  const targets = services.flatMap((s) => s.spec.ports.map((p: any) => ({ service: s, target: p.targetPort })));
  assert.deepEqual(targets.map((t) => t.target).sort(), ['admin', 'proxy']);
  const admin = targets.find((t) => t.target === 'admin')!.service;
  assert.equal(admin.spec.type ?? 'ClusterIP', 'ClusterIP');
  assert.equal(targets.filter((t) => t.service === admin).length, 1, 'the admin Service carries no proxy port');
}

describe('Kubernetes manifests and the Helm chart', () => {
  let problems: Map<string, string[]>;
  const sets: Record<string, any[]> = {
    'deploy/kubernetes/rankway.yaml': manifests,
    'deploy/kubernetes/hpa-example.yaml': hpaExample,
    ...Object.fromEntries(Object.entries(CHART_VARIANTS).map(([name, o]) => [`chart (${name})`, renderChart(o)])),
  };

  before(async () => {
    // One validation pass for every set (the unknown-field check compiles them together).
    const all: Array<{ set: string; o: K8sObject }> = Object.entries(sets).flatMap(([set, objs]) => objs.map((o) => ({ set, o })));
    const found = await validateObjects(all.map((x) => x.o));
    problems = new Map(Object.keys(sets).map((s) => [s, []]));
    // Problems name `Kind/name`; several sets share names, so re-run per set only when any failed.
    if (found.length > 0) for (const [set, objs] of Object.entries(sets)) problems.set(set, await validateObjects(objs));
  });

  for (const set of Object.keys(sets)) {
    it(`${set}: every object passes the Kubernetes schema check (types, required fields, unknown fields)`, () => {
      assert.ok(sets[set].length > 0);
      assert.deepEqual(problems.get(set), []);
    });
  }

  it('the schema check fails on a misspelt field, a wrong type and an unknown kind', async () => {
    const bad = structuredClone(one(manifests, 'Deployment'));
    bad.spec.template.spec.containers[0].readinesProbe = bad.spec.template.spec.containers[0].readinessProbe;
    bad.spec.replicas = 'three';
    const found = await validateObjects([bad, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } }]);
    assert.ok(
      found.some((p) => /readinesProbe/.test(p)),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => /replicas must be integer/.test(p)),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => /Pod\/p: v1 Pod is not a kind/.test(p)),
      found.join('\n'),
    );
  });

  it('the manifests run three replicas that share one secret key, PostgreSQL and Redis', () => {
    checkFleetShape([...manifests]);
    assert.equal(one(hpaExample, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name, one(manifests, 'Deployment').metadata.name);
    assert.ok(one(hpaExample, 'HorizontalPodAutoscaler').spec.minReplicas >= 3);
  });

  it('the chart with its default values renders the same fleet shape', () => {
    checkFleetShape(renderChart());
  });

  it('the chart with autoscaling: an HPA of at least three replicas owns the count', () => {
    checkFleetShape(renderChart(CHART_VARIANTS['autoscaling on']));
  });

  it('the chart with an existing Secret creates none and every pod reads that one', () => {
    checkFleetShape(renderChart(CHART_VARIANTS['an existing Secret']), { externalSecret: 'my-rankway' });
  });

  it('the chart keeps given keys, and its generated key is kept on upgrade and uninstall', () => {
    const secret = one(renderChart(CHART_VARIANTS['keys given in values']), 'Secret');
    assert.equal(decode(secret).RANKWAY_SECRET_KEY, 'a'.repeat(64));
    assert.equal(decode(secret).RANKWAY_ADMIN_KEY, 'rk-admin-helm');
    assert.equal(secret.metadata.annotations['helm.sh/resource-policy'], 'keep');
    const template = readFileSync(`${CHART}/templates/secret.yaml`, 'utf8');
    assert.match(template, /lookup "v1" "Secret" \.Release\.Namespace/, 'an upgrade reuses the key already in the cluster');
    const otel = one(renderChart(CHART_VARIANTS['keys given in values']), 'Deployment').spec.template.spec.containers[0].env;
    assert.ok(otel.some((e: any) => e.name === 'OTEL_EXPORTER_OTLP_ENDPOINT' && e.value === 'http://otel:4318'));
  });

  it('the manifest and the chart carry the same Rankway config', () => {
    assert.deepEqual(parseYaml(one(manifests, 'ConfigMap').data['rankway.yaml']), parseYaml(String(values.config)));
  });
});

describe('the template renderer follows Go template rules for its subset', () => {
  const render = (text: string, v: Record<string, unknown> = {}, helpers = ''): string =>
    new ChartRenderer(
      new Map([
        ['_h.tpl', helpers],
        ['t.yaml', text],
      ]),
    ).renderFile('t.yaml', helmRoot({ name: 'c', version: '1', appVersion: '2' }, v));

  it('trims whitespace at {{- and -}} only', () => {
    assert.equal(render('a  {{- "b" -}}  c'), 'abc');
    assert.equal(render('a {{ "b" }} c'), 'a b c');
    assert.equal(render('x:\n  {{- if true }}\n  y: 1\n  {{- end }}\n'), 'x:\n  y: 1\n');
  });

  it('if / else if / else, with, and Go truthiness', () => {
    const t = '{{ if .Values.a }}A{{ else if .Values.b }}B{{ else }}C{{ end }}';
    assert.equal(render(t, { a: 1 }), 'A');
    assert.equal(render(t, { a: 0, b: 'x' }), 'B');
    assert.equal(render(t, { a: {}, b: [] }), 'C');
    assert.equal(render('{{ with .Values.m }}{{ .k }}{{ else }}none{{ end }}', { m: { k: 'v' } }), 'v');
    assert.equal(render('{{ with .Values.m }}{{ .k }}{{ else }}none{{ end }}', { m: {} }), 'none');
  });

  it('pipelines, include with its own dot, variables and the Sprig functions used', () => {
    assert.equal(render('{{ include "n" .Values }}', { x: 'X' }, '{{- define "n" -}}[{{ .x }}]{{- end -}}'), '[X]');
    assert.equal(render('{{ .Values.s | quote }}', { s: 'a"b' }), '"a\\"b"');
    assert.equal(render('{{ default "d" .Values.s }}|{{ default "d" .Values.t }}', { s: '', t: 't' }), 'd|t');
    assert.equal(render('k:{{ toYaml .Values.m | nindent 2 }}', { m: { a: 1, b: [2] } }), 'k:\n  a: 1\n  b:\n    - 2');
    assert.equal(render('{{ $x := "v" }}{{ $x }}{{ $.Chart.Name }}'), 'vc');
    assert.equal(render('{{ printf "%s-%s" "a" "b" | trunc 3 | trimSuffix "-" }}'), 'a-b'.slice(0, 3));
    assert.equal(render('{{ "ab" | b64enc }}'), 'YWI=');
    assert.equal(render('{{ (include "n" .) | quote }}', {}, '{{- define "n" -}}q{{- end -}}'), '"q"');
    assert.equal(
      render('{{ if lookup "v1" "Secret" "ns" "n" }}found{{ else }}absent{{ end }}'),
      'absent',
      'helm template: lookup finds nothing',
    );
  });

  it('refuses what it does not implement rather than guessing', () => {
    assert.throws(() => render('{{ range .Values.l }}{{ . }}{{ end }}'), /outside the supported template subset/);
    assert.throws(() => render('{{ .Values.m | upper }}', { m: 'x' }), /function "upper"/);
    assert.throws(() => render('{{ .Values.m }}', { m: { a: 1 } }), /use toYaml/);
    assert.throws(() => render('{{ .Values.a.b }}'), /nil pointer/);
  });
});
