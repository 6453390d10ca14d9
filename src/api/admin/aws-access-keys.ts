import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { awsAccessKeyCreate, awsAccessKeyPatch, type AwsAccessKeyData } from '../../control/resources.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import type { StoredResource } from '../../store/control.js';
import { notFound, paginate, parseBody, type AdminDepsGetter } from './common.js';

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

/**
 * `/admin/v1/aws_access_keys`: key pairs for AWS SDK callers (SigV4), each acting as an API
 * key (its allow-list, limits, budget and usage). The secret is shown once, at creation.
 */
export function registerAwsAccessKeyRoutes(app: FastifyInstance, deps: AdminDepsGetter): void {
  const base = '/admin/v1/aws_access_keys';

  app.get(base, async (request) => {
    const rows = deps().control.current.awsAccessKeyRows;
    return paginate(rows.map(render), request.query as Record<string, string>);
  });

  app.get(`${base}/:id`, async (request) => {
    const { id } = request.params as { id: string };
    const row = await deps().store.getResource('aws_access_key', id);
    if (!row) throw notFound('AWS access key', id);
    return render(row);
  });

  app.post(base, async (request, reply) => {
    const body = parseBody(awsAccessKeyCreate, request.body);
    const { store, control, box } = deps();
    if (!control.current.apiKeys.some((k) => k.id === body.api_key_id)) {
      throw invalidRequest(`No API key with id '${body.api_key_id}' in the database`, 'api_key_id');
    }
    const id = `aws_${randomUUID().replaceAll('-', '')}`;
    const secret = randomBytes(30).toString('base64');
    const data: AwsAccessKeyData = {
      access_key_id: newAccessKeyId(),
      api_key_id: body.api_key_id,
      secret_sealed: box.seal(secret, id),
      disabled: body.disabled ?? false,
    };
    const now = new Date().toISOString();
    const row: StoredResource = { id, kind: 'aws_access_key', name: data.access_key_id, data: { ...data }, createdAt: now, updatedAt: now };
    await store.createResource(row);
    await control.changed();
    reply.code(201);
    return { ...render(row), secret_access_key: secret };
  });

  app.patch(`${base}/:id`, async (request) => {
    const { id } = request.params as { id: string };
    const patch = parseBody(awsAccessKeyPatch, request.body);
    const { store, control } = deps();
    const row = await store.getResource('aws_access_key', id);
    if (!row) throw notFound('AWS access key', id);
    const old = row.data as unknown as AwsAccessKeyData;
    const data: AwsAccessKeyData = { ...old, disabled: patch.disabled ?? old.disabled };
    const updatedAt = new Date().toISOString();
    await store.updateResource('aws_access_key', id, old.access_key_id, { ...data }, updatedAt);
    await control.changed();
    return render({ ...row, data: { ...data }, updatedAt });
  });

  app.delete(`${base}/:id`, async (request) => {
    const { id } = request.params as { id: string };
    const { store, control } = deps();
    if (!(await store.deleteResource('aws_access_key', id))) throw notFound('AWS access key', id);
    await control.changed();
    return { id, object: 'aws_access_key', deleted: true };
  });
}
