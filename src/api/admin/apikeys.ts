import { randomBytes } from 'node:crypto';
import { sha256Hex } from '../../auth/inbound/authenticator.js';
import { apiKeyCreate, apiKeyPatch, type ApiKeyData } from '../../control/resources.js';
import { FILE_ID_PREFIX } from '../../control/snapshot.js';
import type { StoredResource } from '../../store/repository.js';
import type { GatewayConfig } from '../../config/load.js';
import { conflict, parseBody } from './common.js';
import { createResource, editableRow, resourceRoutes, updateResource, type ResourceSpec } from './resource.js';

/** The key hash is shown shortened: enough to recognise a key, not to look one up elsewhere. */
function render(row: StoredResource): Record<string, unknown> {
  const { key_hash, ...d } = row.data as unknown as ApiKeyData;
  return {
    id: row.id,
    object: 'api_key',
    ...d,
    key_hash_prefix: key_hash.slice(0, 12),
    source: 'database',
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

function renderFile(k: FileKey): Record<string, unknown> {
  return {
    id: FILE_ID_PREFIX + k.name,
    object: 'api_key',
    name: k.name,
    key_hash_prefix: k.key_sha256.slice(0, 12),
    allowed_models: k.allowed_models ?? null,
    rpm: null,
    tpm: null,
    rpd: null,
    budget: null,
    expires_at: null,
    disabled: false,
    metadata: {},
    source: 'file',
  };
}

type FileKey = GatewayConfig['server']['keys'][number];

const spec: ResourceSpec<FileKey> = {
  kind: 'api_key',
  object: 'api_key',
  what: 'API key',
  idPrefix: 'key',
  uniqueField: 'key_hash',
  rows: (snap) => snap.apiKeys,
  render,
  file: {
    list: (snap) => snap.file.server.keys,
    get: (snap, name) => snap.file.server.keys.find((k) => k.name === name),
    render: renderFile,
  },
  beforeDelete(snap, id) {
    if (snap.awsAccessKeyRows.some((r) => (r.data as { api_key_id?: string }).api_key_id === id)) {
      throw conflict('AWS access keys were issued for this API key; delete them first');
    }
  },
};

export const apiKeyRoutes = resourceRoutes(
  '/v1/apikeys',
  spec,
  {
    plural: 'API keys',
    create: { name: 'ApiKeyCreate', schema: apiKeyCreate },
    patch: { name: 'ApiKeyPatch', schema: apiKeyPatch },
    createNote: 'Without `key_hash`, Rankway generates the key and returns it as `key` in this response only.',
  },
  {
    create:
      ({ admin: deps }) =>
      async (request, reply) => {
        const body = parseBody(apiKeyCreate, request.body ?? {});
        const d = deps();
        // Without a hash, Rankway makes the key and shows it in this response only.
        const plaintext = body.key_hash === undefined ? `rk-${randomBytes(24).toString('base64url')}` : undefined;
        const keyHash = body.key_hash ?? sha256Hex(plaintext!);
        if (d.control.current.file.server.keys.some((k) => k.key_sha256 === keyHash))
          throw conflict('This key is declared in the config file', 'key_hash');
        const data: ApiKeyData = {
          name: body.name ?? null,
          key_hash: keyHash,
          allowed_models: body.allowed_models ?? null,
          rpm: body.rpm ?? null,
          tpm: body.tpm ?? null,
          rpd: body.rpd ?? null,
          budget: body.budget ?? null,
          expires_at: body.expires_at ?? null,
          disabled: body.disabled ?? false,
          metadata: body.metadata ?? {},
        };
        const row = await createResource(d, spec, keyHash, data);
        reply.code(201);
        return plaintext ? { ...render(row), key: plaintext } : render(row);
      },
    patch:
      ({ admin: deps }) =>
      async (request) => {
        const { id } = request.params as { id: string };
        const d = deps();
        const row = await editableRow(d, spec, id);
        const patch = parseBody(apiKeyPatch, request.body);
        const old = row.data as unknown as ApiKeyData;
        const pick = <K extends keyof ApiKeyData>(k: K): ApiKeyData[K] =>
          patch[k as keyof typeof patch] === undefined ? old[k] : (patch[k as keyof typeof patch] as ApiKeyData[K]);
        const data: ApiKeyData = {
          name: pick('name'),
          key_hash: old.key_hash,
          allowed_models: pick('allowed_models'),
          rpm: pick('rpm'),
          tpm: pick('tpm'),
          rpd: pick('rpd'),
          budget: pick('budget'),
          expires_at: pick('expires_at'),
          disabled: pick('disabled'),
          metadata: pick('metadata'),
        };
        return render(await updateResource(d, spec, row, old.key_hash, data));
      },
  },
);
