import type { ModelConfig } from '../../config/schema.js';
import type { ControlSnapshot } from '../../control/snapshot.js';
import { FILE_ID_PREFIX } from '../../control/snapshot.js';
import { modelCreate, modelPatch, type ModelData, type ProviderKeyData } from '../../control/resources.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import { labModelNames } from '../../config/lab.js';
import type { StoredResource } from '../../store/repository.js';
import { conflict, parseBody } from './common.js';
import { createResource, editableRow, resourceRoutes, updateResource, type ResourceSpec } from './resource.js';

function render(row: StoredResource): Record<string, unknown> {
  const d = row.data as unknown as ModelData;
  return {
    id: row.id,
    object: 'model',
    ...d,
    cache: d.cache ?? 'pairs',
    source: 'database',
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

function renderFile(m: ModelConfig): Record<string, unknown> {
  const slash = m.target.indexOf('/');
  return {
    id: FILE_ID_PREFIX + m.name,
    object: 'model',
    display_name: m.name,
    provider: m.target.slice(0, slash),
    model_name: m.target.slice(slash + 1),
    provider_key_id: FILE_ID_PREFIX + m.target.slice(0, slash),
    fallbacks: m.fallbacks,
    price: m.price ?? null,
    cache: m.cache,
    shadow: m.shadow ?? null,
    split: m.split ?? null,
    calibrate: m.calibrate ?? false,
    min_score: m.min_score ?? null,
    source: 'file',
  };
}

/** Checks a model against the current snapshot: its key exists and serves the model, fallbacks resolve. */
function validate(snap: ControlSnapshot, d: ModelData, selfId?: string): void {
  if (d.display_name.includes('/'))
    throw invalidRequest("display_name must not contain '/' (that form addresses provider/model)", 'display_name');
  if (snap.file.models.has(d.display_name))
    throw conflict(`display_name '${d.display_name}' is a model in the config file`, 'display_name');
  let providerName: string;
  let keyProvider: string;
  if (d.provider_key_id.startsWith(FILE_ID_PREFIX)) {
    const p = snap.file.providers.get(d.provider_key_id.slice(FILE_ID_PREFIX.length));
    if (!p) throw invalidRequest(`No provider key with id '${d.provider_key_id}'`, 'provider_key_id');
    providerName = p.name;
    keyProvider = p.adapter.type;
  } else {
    const key = snap.providerKeys.find((k) => k.id === d.provider_key_id);
    if (!key) throw invalidRequest(`No provider key with id '${d.provider_key_id}'`, 'provider_key_id');
    const kd = key.data as unknown as ProviderKeyData;
    providerName = kd.display_name;
    keyProvider = kd.provider;
  }
  if (d.provider !== keyProvider && d.provider !== providerName) {
    throw invalidRequest(`provider '${d.provider}' does not match the provider key's provider '${keyProvider}'`, 'provider');
  }
  const runtime = snap.table.providers.get(providerName);
  if (!runtime) throw invalidRequest(`Provider key '${d.provider_key_id}' cannot be loaded; see the server log`, 'provider_key_id');
  if (runtime.adapter.models && !runtime.adapter.models.includes(d.model_name)) {
    throw invalidRequest(
      `Provider '${providerName}' has no model '${d.model_name}' (it has: ${runtime.adapter.models.join(', ')})`,
      'model_name',
    );
  }
  d.fallbacks.forEach((f, i) => {
    const ownAlias = snap.models.some((m) => m.id !== selfId && m.name === f);
    const slash = f.indexOf('/');
    if (snap.table.models.has(f) || ownAlias || (slash > 0 && snap.table.providers.has(f.slice(0, slash)))) return;
    throw invalidRequest(`fallback '${f}' is neither a model alias nor 'provider/model' of a configured provider`, `fallbacks.${i}`);
  });
  for (const { name, path } of labModelNames({ shadow: d.shadow ?? undefined, split: d.split ?? undefined })) {
    const slash = name.indexOf('/');
    if (snap.table.models.has(name) || (slash > 0 && snap.table.providers.has(name.slice(0, slash)))) continue;
    throw invalidRequest(`'${name}' is neither a model alias nor 'provider/model' of a configured provider`, path);
  }
}

const spec: ResourceSpec<ModelConfig> = {
  kind: 'model',
  object: 'model',
  what: 'model',
  idPrefix: 'mdl',
  uniqueField: 'display_name',
  rows: (snap) => snap.models,
  render,
  file: { list: (snap) => [...snap.file.models.values()], get: (snap, name) => snap.file.models.get(name), render: renderFile },
};

export const modelRoutes = resourceRoutes(
  '/v1/models',
  spec,
  {
    plural: 'models',
    create: { name: 'ModelCreate', schema: modelCreate },
    patch: { name: 'ModelPatch', schema: modelPatch },
    createNote: "`display_name` becomes a model alias callers send as `model`, routed to `model_name` on the provider key's provider.",
  },
  {
    create:
      ({ admin: deps }) =>
      async (request, reply) => {
        const body = parseBody(modelCreate, request.body);
        const d = deps();
        const data: ModelData = {
          display_name: body.display_name,
          provider: body.provider,
          model_name: body.model_name,
          provider_key_id: body.provider_key_id,
          fallbacks: body.fallbacks ?? [],
          price: body.price ?? null,
          cache: body.cache ?? 'pairs',
          shadow: body.shadow ?? null,
          split: body.split ?? null,
          calibrate: body.calibrate ?? false,
          min_score: body.min_score ?? null,
        };
        validate(d.control.current, data);
        const row = await createResource(d, spec, data.display_name, data);
        reply.code(201);
        return render(row);
      },
    patch:
      ({ admin: deps }) =>
      async (request) => {
        const { id } = request.params as { id: string };
        const d = deps();
        const row = await editableRow(d, spec, id);
        const patch = parseBody(modelPatch, request.body);
        const old = row.data as unknown as ModelData;
        const data: ModelData = {
          display_name: patch.display_name ?? old.display_name,
          provider: patch.provider ?? old.provider,
          model_name: patch.model_name ?? old.model_name,
          provider_key_id: patch.provider_key_id ?? old.provider_key_id,
          fallbacks: patch.fallbacks ?? old.fallbacks,
          price: patch.price === undefined ? old.price : patch.price,
          cache: patch.cache ?? old.cache ?? 'pairs',
          shadow: patch.shadow === undefined ? (old.shadow ?? null) : patch.shadow,
          split: patch.split === undefined ? (old.split ?? null) : patch.split,
          calibrate: patch.calibrate ?? old.calibrate ?? false,
          min_score: patch.min_score === undefined ? (old.min_score ?? null) : patch.min_score,
        };
        validate(d.control.current, data, id);
        return render(await updateResource(d, spec, row, data.display_name, data));
      },
  },
);
