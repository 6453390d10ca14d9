import { randomBytes } from 'node:crypto';
import { awsAccessKeyCreate, awsAccessKeyPatch, type AwsAccessKeyData } from '../../control/resources.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import type { StoredResource } from '../../store/repository.js';
import { parseBody } from './common.js';
import { createResource, editableRow, newResourceId, resourceRoutes, updateResource, type ResourceSpec } from './resource.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** 20 characters like AWS's, with an `RKIA` prefix so Rankway-issued ids are recognisable. */
function newAccessKeyId(): string {
  const bytes = randomBytes(16);
  let id = 'RKIA';
  for (const b of bytes) id += ALPHABET[b % 32];
  return id;
}

function render(row: StoredResource): Record<string, unknown> {
  const d = row.data as unknown as AwsAccessKeyData;
  return {
    id: row.id,
    object: 'aws_access_key',
    access_key_id: d.access_key_id,
    api_key_id: d.api_key_id,
    disabled: d.disabled,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}

const spec: ResourceSpec = {
  kind: 'aws_access_key',
  object: 'aws_access_key',
  what: 'AWS access key',
  idPrefix: 'aws',
  rows: (snap) => snap.awsAccessKeyRows,
  render,
};

/**
 * `/admin/v1/aws_access_keys`: key pairs for AWS SDK callers (SigV4), each acting as an API
 * key (its allow-list, limits, budget and usage). The secret is shown once, at creation.
 */
export const awsAccessKeyRoutes = resourceRoutes(
  '/v1/aws_access_keys',
  spec,
  {
    plural: 'AWS access keys',
    create: { name: 'AwsAccessKeyCreate', schema: awsAccessKeyCreate },
    patch: { name: 'AwsAccessKeyPatch', schema: awsAccessKeyPatch },
    createNote:
      'Issues an access key pair for AWS SigV4 callers acting as the API key `api_key_id`; `secret_access_key` is in this response only.',
  },
  {
    create:
      ({ admin: deps }) =>
      async (request, reply) => {
        const body = parseBody(awsAccessKeyCreate, request.body);
        const d = deps();
        if (!d.control.current.row('api_key', body.api_key_id)) {
          throw invalidRequest(`No API key with id '${body.api_key_id}' in the database`, 'api_key_id');
        }
        const id = newResourceId(spec);
        const secret = randomBytes(30).toString('base64');
        const data: AwsAccessKeyData = {
          access_key_id: newAccessKeyId(),
          api_key_id: body.api_key_id,
          secret_sealed: d.box.seal(secret, id),
          disabled: body.disabled ?? false,
        };
        const row = await createResource(d, spec, data.access_key_id, data, id);
        reply.code(201);
        return { ...render(row), secret_access_key: secret };
      },
    patch:
      ({ admin: deps }) =>
      async (request) => {
        const { id } = request.params as { id: string };
        const patch = parseBody(awsAccessKeyPatch, request.body);
        const d = deps();
        const row = await editableRow(d, spec, id);
        const old = row.data as unknown as AwsAccessKeyData;
        const data: AwsAccessKeyData = { ...old, disabled: patch.disabled ?? old.disabled };
        return render(await updateResource(d, spec, row, old.access_key_id, data));
      },
  },
);
