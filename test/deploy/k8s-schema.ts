import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Checks Kubernetes objects the two ways `kubectl apply --dry-run=client` would, without a
 * cluster (kubectl's client-side validation downloads the OpenAPI document from an API server,
 * and there is none here):
 * 1. the JSON schemas generated from the Kubernetes OpenAPI document that the npm package
 *    `kubernetes-models` ships (types, required fields, formats, enums);
 * 2. unknown fields (what kubectl's strict field validation refuses), which those schemas
 *    allow: each object is type-checked as a TypeScript literal against the same package's
 *    interfaces, where a misspelt field is an excess-property error.
 */

interface Kind {
  readonly module: string;
  readonly type: string;
}

/** The kinds our manifests use, by `apiVersion/kind`; anything else is refused. */
const KINDS: Readonly<Record<string, Kind>> = {
  'v1/Secret': { module: 'kubernetes-models/v1', type: 'Secret' },
  'v1/ConfigMap': { module: 'kubernetes-models/v1', type: 'ConfigMap' },
  'v1/Service': { module: 'kubernetes-models/v1', type: 'Service' },
  'apps/v1/Deployment': { module: 'kubernetes-models/apps/v1', type: 'Deployment' },
  'policy/v1/PodDisruptionBudget': { module: 'kubernetes-models/policy/v1', type: 'PodDisruptionBudget' },
  'autoscaling/v2/HorizontalPodAutoscaler': { module: 'kubernetes-models/autoscaling/v2', type: 'HorizontalPodAutoscaler' },
  'networking.k8s.io/v1/NetworkPolicy': { module: 'kubernetes-models/networking.k8s.io/v1', type: 'NetworkPolicy' },
};

export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string };
  readonly [key: string]: unknown;
}

const nameOf = (o: K8sObject): string => `${o.kind}/${o.metadata?.name ?? '?'}`;

/** Every problem found, as `Kind/name: message` lines; empty when all objects are valid. */
export async function validateObjects(objects: readonly K8sObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const o of objects) {
    const kind = KINDS[`${o.apiVersion}/${o.kind}`];
    if (!kind) {
      problems.push(`${nameOf(o)}: ${o.apiVersion} ${o.kind} is not a kind this check knows`);
      continue;
    }
    if (!o.metadata?.name) problems.push(`${nameOf(o)}: metadata.name is required`);
    const mod = (await import(kind.module)) as Record<string, new (data: unknown) => { validate(): void }>;
    try {
      new mod[kind.type](o).validate();
    } catch (err) {
      problems.push(`${nameOf(o)}: ${(err as Error).message}`);
    }
  }
  problems.push(...unknownFields(objects.filter((o) => KINDS[`${o.apiVersion}/${o.kind}`])));
  return problems;
}

const HERE = dirname(fileURLToPath(import.meta.url));

function unknownFields(objects: readonly K8sObject[]): string[] {
  if (objects.length === 0) return [];
  const imports = [...new Set(objects.map((o) => KINDS[`${o.apiVersion}/${o.kind}`]))]
    .map((k) => `import type { I${k.type} as ${alias(k)} } from '${k.module}';`)
    .join('\n');
  const lines = objects.map((o, i) => `export const o${i}: ${alias(KINDS[`${o.apiVersion}/${o.kind}`])} = ${JSON.stringify(o, null, 1)};`);
  const source = `${imports}\n${lines.join('\n')}\n`;
  const file = join(HERE, '__manifests_check__.ts');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (name === file ? ts.createSourceFile(name, source, lang) : read(name, lang, ...rest));
  host.fileExists = (
    (exists) => (name: string) =>
      name === file || exists(name)
  )(host.fileExists.bind(host));
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    if (!d.file || d.start === undefined) return text;
    // Name the object the error is in (o<i> is declared at the start of its line).
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    let i = line;
    const declared = /^export const o(\d+):/;
    const all = source.split('\n');
    while (i >= 0 && !declared.test(all[i])) i--;
    const index = i >= 0 ? Number(declared.exec(all[i])![1]) : -1;
    return `${index >= 0 ? nameOf(objects[index]) : '?'}: ${text}`;
  });
}

const alias = (k: Kind): string => `${k.module.replace(/[^A-Za-z0-9]/g, '_')}_${k.type}`;
