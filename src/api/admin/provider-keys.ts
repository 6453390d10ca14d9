import type { LoadedProvider } from '../../config/load.js';
import { SecretUnreadableError, type SecretBox } from '../../auth/secrets/secret-box.js';
import { splitSensitiveConfig } from '../../auth/secrets/sensitive-config.js';
import { buildProvider, configAad, FILE_ID_PREFIX, ProviderKeyError } from '../../control/snapshot.js';
import { parseSecret, providerKeyCreate, providerKeyPatch, type ModelData, type ProviderKeyData } from '../../control/resources.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import { PROVIDER_TYPES } from '../../providers/registry.js';
import type { StoredResource } from '../../store/repository.js';
import { conflict, parseBody, type AdminDepsGetter } from './common.js';
import { createResource, editableRow, newResourceId, resourceRoutes, updateResource, type ResourceSpec } from './resource.js';

/** A provider key as the admin API shows it: never the secret, only which fields it has. */
function render(row: StoredResource): Record<string, unknown> {
  const d = row.data as unknown as ProviderKeyData;
  // Rows stored before config sealing existed may still hold header values in `config`.
  const legacy = splitSensitiveConfig(d.config);
  return {
    id: row.id,
    object: 'provider_key',
    display_name: d.display_name,
    provider: d.provider,
    adapter: d.adapter,
    api_base: d.api_base,
    config: legacy.open,
    secret_fields: d.secret_fields,
    config_sealed_fields: [...(d.config_sealed_fields ?? []), ...legacy.sealedFields].sort(),
    source: 'database',
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

function renderFile(p: LoadedProvider): Record<string, unknown> {
  return {
    id: FILE_ID_PREFIX + p.name,
    object: 'provider_key',
    display_name: p.name,
    provider: p.adapter.type,
    adapter: p.adapter.type,
    api_base: p.config.base_url ?? null,
    source: 'file',
  };
}

/**
 * Checks the whole provider config with its type's schema, as the config file is checked;
 * a 400 names the first problem's field (values never appear in the message).
 */
function validate(fields: ProviderKeyFields, secret: Record<string, unknown>, allowMetadataAddresses: boolean): void {
  if (!PROVIDER_TYPES.has(fields.adapter)) {
    throw invalidRequest(`Unknown adapter '${fields.adapter}' (known: ${[...PROVIDER_TYPES.keys()].join(', ')})`, 'adapter');
  }
  try {
    buildProvider(fields, secret, { allowMetadataAddresses });
  } catch (err) {
    if (!(err instanceof ProviderKeyError)) throw err;
    // A path inside the secret points at the `secret` string field of the request body, and
    // wins: a wrong credential is the likelier mistake.
    const first = err.problems.find((p) => p.startsWith('secret.')) ?? err.problems[0] ?? '';
    const path = first.slice(0, first.indexOf(':'));
    const param = path.startsWith('secret') ? 'secret' : path;
    throw invalidRequest(`Provider key is not valid for adapter '${fields.adapter}': ${err.problems.join('; ')}`, param || null);
  }
}

type ProviderKeyFields = Pick<ProviderKeyData, 'display_name' | 'provider' | 'adapter' | 'api_base' | 'config'>;

/** The stored row: credential-like config fields and header values sealed next to the secret. */
function seal(box: SecretBox, id: string, fields: ProviderKeyFields, secret: Record<string, unknown>): ProviderKeyData {
  const split = splitSensitiveConfig(fields.config);
  return {
    ...fields,
    config: split.open,
    ...(split.sealedFields.length > 0 || Object.keys(split.sealed).length > 0
      ? { config_sealed: box.seal(JSON.stringify(split.sealed), configAad(id)), config_sealed_fields: split.sealedFields }
      : {}),
    secret_sealed: box.seal(JSON.stringify(secret), id),
    secret_fields: Object.keys(secret).sort(),
  };
}

/** Opens a stored sealed value for a PATCH; one sealed under another key asks for a new value. */
function openForPatch(box: SecretBox, sealed: string, aad: string, field: string): Record<string, unknown> {
  try {
    return JSON.parse(box.open(sealed, aad)) as Record<string, unknown>;
  } catch (err) {
    if (!(err instanceof SecretUnreadableError)) throw err;
    throw conflict(
      `The stored ${field} cannot be decrypted with this server's RANKWAY_SECRET_KEY; send a new ${field} with this PATCH`,
      field,
    );
  }
}

function secretOf(text: string): Record<string, unknown> {
  const secret = parseSecret(text);
  if (!secret) throw invalidRequest('secret must be a JSON object encoded as a string, e.g. "{\\"api_key\\":\\"...\\"}"', 'secret');
  return secret;
}

const spec: ResourceSpec<LoadedProvider> = {
  kind: 'provider_key',
  object: 'provider_key',
  what: 'provider key',
  idPrefix: 'pk',
  uniqueField: 'display_name',
  rows: (snap) => snap.providerKeys,
  render,
  file: { list: (snap) => [...snap.file.providers.values()], get: (snap, name) => snap.file.providers.get(name), render: renderFile },
  beforeDelete(snap, id) {
    const users = snap.models.filter((m) => (m.data as unknown as ModelData).provider_key_id === id);
    if (users.length > 0) {
      throw conflict(`Provider key is used by model(s) ${users.map((m) => `'${m.name}'`).join(', ')}; delete or move them first`);
    }
  },
};

export const providerKeyRoutes = resourceRoutes(
  '/v1/provider_keys',
  spec,
  {
    plural: 'provider keys',
    create: { name: 'ProviderKeyCreate', schema: providerKeyCreate },
    patch: { name: 'ProviderKeyPatch', schema: providerKeyPatch },
    createNote:
      "`secret` is a JSON object encoded as a string (the adapter's credential fields); it is stored sealed and never shown again, responses list only `secret_fields`.",
  },
  {
    create:
      ({ admin: deps }) =>
      async (request, reply) => {
        const body = parseBody(providerKeyCreate, request.body);
        const d = deps();
        if (d.control.current.file.providers.has(body.display_name)) {
          throw conflict(`display_name '${body.display_name}' is a provider in the config file`, 'display_name');
        }
        const secret = secretOf(body.secret);
        const fields = {
          display_name: body.display_name,
          provider: body.provider,
          adapter: body.adapter,
          api_base: body.api_base ?? null,
          config: body.config ?? {},
        };
        validate(fields, secret, allowMetadata(d));
        const id = newResourceId(spec);
        const data = seal(d.box, id, fields, secret);
        const row = await createResource(d, spec, body.display_name, data, id);
        reply.code(201);
        return render(row);
      },
    patch:
      ({ admin: deps }) =>
      async (request) => {
        const { id } = request.params as { id: string };
        const d = deps();
        const row = await editableRow(d, spec, id);
        const patch = parseBody(providerKeyPatch, request.body);
        const old = row.data as unknown as ProviderKeyData;
        if (patch.display_name && patch.display_name !== old.display_name && d.control.current.file.providers.has(patch.display_name)) {
          throw conflict(`display_name '${patch.display_name}' is a provider in the config file`, 'display_name');
        }
        const secret = patch.secret !== undefined ? secretOf(patch.secret) : openForPatch(d.box, old.secret_sealed, id, 'secret');
        // A new `config` replaces the old one whole, sealed part included.
        const oldConfig = (): Record<string, unknown> =>
          old.config_sealed ? { ...old.config, ...openForPatch(d.box, old.config_sealed, configAad(id), 'config') } : old.config;
        const fields = {
          display_name: patch.display_name ?? old.display_name,
          provider: patch.provider ?? old.provider,
          adapter: patch.adapter ?? old.adapter,
          api_base: patch.api_base === undefined ? old.api_base : patch.api_base,
          config: patch.config ?? oldConfig(),
        };
        validate(fields, secret, allowMetadata(d));
        const data = seal(d.box, id, fields, secret);
        return render(await updateResource(d, spec, row, fields.display_name, data));
      },
  },
);

const allowMetadata = (d: ReturnType<AdminDepsGetter>): boolean => d.control.fileConfig.upstreams.allow_metadata_addresses;
