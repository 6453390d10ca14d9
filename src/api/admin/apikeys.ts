import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sha256Hex } from '../../auth/inbound/authenticator.js';
import { apiKeyCreate, apiKeyPatch, type ApiKeyData } from '../../control/resources.js';
import { FILE_ID_PREFIX } from '../../control/snapshot.js';
import type { StoredResource } from '../../store/control.js';
import { conflict, notFound, paginate, parseBody, readOnly, uniquely, type AdminDepsGetter } from './common.js';

/** The key hash is shown shortened: enough to recognise a key, not to look one up elsewhere. */
function render(row: StoredResource): Record<string, unknown> {
  const { key_hash, ...d } = row.data as unknown as ApiKeyData;
  return { id: row.id, object: 'api_key', ...d, key_hash_prefix: key_hash.slice(0, 12), source: 'database', created_at: row.createdAt, updated_at: row.updatedAt };
}

function renderFile(k: { name: string; key_sha256: string; allowed_models?: string[] }): Record<string, unknown> {
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

export function registerApiKeyRoutes(app: FastifyInstance, deps: AdminDepsGetter): void {
  const base = '/admin/v1/apikeys';

  app.get(base, async (request) => {
    const snap = deps().control.current;
    const items = snap.file.server.keys.map(renderFile).concat(snap.apiKeys.map(render));
    return paginate(items, request.query as Record<string, string>);
  });

  app.get(`${base}/:id`, async (request) => {
    const { id } = request.params as { id: string };
    const { store, control } = deps();
    if (id.startsWith(FILE_ID_PREFIX)) {
      const k = control.current.file.server.keys.find((x) => x.name === id.slice(FILE_ID_PREFIX.length));
      if (k) return renderFile(k);
      throw notFound('API key', id);
    }
    const row = await store.getResource('api_key', id);
    if (!row) throw notFound('API key', id);
    return render(row);
  });

  app.post(base, async (request, reply) => {
    const body = parseBody(apiKeyCreate, request.body ?? {});
    const { store, control } = deps();
    // Without a hash, Rankway makes the key and shows it in this response only.
    const plaintext = body.key_hash === undefined ? `rk-${randomBytes(24).toString('base64url')}` : undefined;
    const keyHash = body.key_hash ?? sha256Hex(plaintext!);
    if (control.current.file.server.keys.some((k) => k.key_sha256 === keyHash)) throw conflict('This key is declared in the config file', 'key_hash');
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
    const now = new Date().toISOString();
    const row: StoredResource = { id: `key_${randomUUID().replaceAll('-', '')}`, kind: 'api_key', name: keyHash, data: { ...data }, createdAt: now, updatedAt: now };
    await uniquely('key_hash', () => store.createResource(row));
    await control.changed();
    reply.code(201);
    return plaintext ? { ...render(row), key: plaintext } : render(row);
  });

  app.patch(`${base}/:id`, async (request) => {
    const { id } = request.params as { id: string };
    if (id.startsWith(FILE_ID_PREFIX)) throw readOnly('API key');
    const patch = parseBody(apiKeyPatch, request.body);
    const { store, control } = deps();
    const row = await store.getResource('api_key', id);
    if (!row) throw notFound('API key', id);
    const old = row.data as unknown as ApiKeyData;
    const pick = <K extends keyof ApiKeyData>(k: K): ApiKeyData[K] => (patch[k as keyof typeof patch] === undefined ? old[k] : (patch[k as keyof typeof patch] as ApiKeyData[K]));
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
    const updatedAt = new Date().toISOString();
    await uniquely('key_hash', () => store.updateResource('api_key', id, old.key_hash, { ...data }, updatedAt));
    await control.changed();
    return render({ ...row, data: { ...data }, updatedAt });
  });

  app.delete(`${base}/:id`, async (request) => {
    const { id } = request.params as { id: string };
    if (id.startsWith(FILE_ID_PREFIX)) throw readOnly('API key');
    const { store, control } = deps();
    if (control.current.awsAccessKeyRows.some((r) => (r.data as { api_key_id?: string }).api_key_id === id)) {
      throw conflict('AWS access keys were issued for this API key; delete them first');
    }
    if (!(await store.deleteResource('api_key', id))) throw notFound('API key', id);
    await control.changed();
    return { id, object: 'api_key', deleted: true };
  });
}
