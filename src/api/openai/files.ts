import type { BatchService } from '../../core/batches/service.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import type { StoredFile } from '../../store/batches.js';
import type { SurfaceRoute } from '../surface.js';

export interface BatchSurfaceDeps {
  readonly batches: BatchService;
  /** Largest upload accepted (OpenAI's own limit for batch files is 200 MB). */
  readonly maxFileBytes: number;
}

/** OpenAI's File object. */
export function renderFile(f: StoredFile): Record<string, unknown> {
  return {
    id: f.id,
    object: 'file',
    bytes: f.bytes,
    created_at: f.createdAt,
    expires_at: null,
    filename: f.filename,
    purpose: f.purpose,
    status: 'processed',
    status_details: null,
  };
}

/** `limit` and `after` of OpenAI's cursor pagination. */
export function page(query: { limit?: string; after?: string }, max: number): { limit: number; after?: string } {
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) throw invalidRequest(`limit must be 1-${max}`, 'limit');
  return { limit, after: query.after || undefined };
}

const ERRORS = [400, 401, 403, 404, 413, 502, 503] as const;
const FILE = { raw: 'OpenAI File object', mediaTypes: ['application/json'] };

/** OpenAI's files API for batch input and output files. */
export const fileRoutes: readonly SurfaceRoute<BatchSurfaceDeps>[] = [
  {
    method: 'post',
    path: '/v1/files',
    doc: {
      summary: 'Upload a batch input file (OpenAI compatible), kept in S3',
      description:
        'multipart/form-data with `file` (JSONL, one OpenAI batch request per line) and `purpose: batch`. Every line is checked on upload; large files go to S3 as a multipart upload.',
      rawRequest: 'multipart/form-data: file, purpose',
      response: FILE,
      errors: ERRORS,
    },
    bodyLimit: ({ maxFileBytes }) => maxFileBytes,
    handler:
      ({ batches }) =>
      async (request) => {
        request.ctx.surface = 'openai-files';
        const form = request.body;
        if (!(form instanceof FormData)) throw invalidRequest('upload the file as multipart/form-data (fields file and purpose)', 'file');
        const file = form.get('file');
        const purpose = form.get('purpose');
        if (file === null || typeof file === 'string') throw invalidRequest('file is required (a file part)', 'file');
        if (typeof purpose !== 'string' || purpose === '') throw invalidRequest('purpose is required', 'purpose');
        const content = Buffer.from(await file.arrayBuffer());
        const stored = await batches.uploadFile({ filename: file.name || 'upload.jsonl', purpose, content }, request.ctx);
        return renderFile(stored);
      },
  },
  {
    method: 'get',
    path: '/v1/files',
    doc: {
      summary: "The key's files, newest first",
      response: { raw: '`{object: "list", data: [File]}`', mediaTypes: ['application/json'] },
      errors: ERRORS,
    },
    handler:
      ({ batches }) =>
      async (request) => {
        request.ctx.surface = 'openai-files';
        const query = request.query as { purpose?: string; limit?: string; after?: string };
        const { limit, after } = page(query, 10_000);
        const files = await batches.listFiles(request.ctx, { purpose: query.purpose || undefined, limit: limit + 1, after });
        const data = files.slice(0, limit).map(renderFile);
        return { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: files.length > limit };
      },
  },
  {
    method: 'get',
    path: '/v1/files/:file_id',
    doc: { summary: 'A file', response: FILE, errors: ERRORS },
    handler:
      ({ batches }) =>
      async (request) => {
        request.ctx.surface = 'openai-files';
        return renderFile(await batches.getFile((request.params as { file_id: string }).file_id, request.ctx));
      },
  },
  {
    method: 'delete',
    path: '/v1/files/:file_id',
    doc: {
      summary: 'Delete a file (and its S3 object)',
      response: { raw: '`{id, object: "file", deleted: true}`', mediaTypes: ['application/json'] },
      errors: ERRORS,
    },
    handler:
      ({ batches }) =>
      async (request) => {
        request.ctx.surface = 'openai-files';
        const file = await batches.deleteFile((request.params as { file_id: string }).file_id, request.ctx);
        return { id: file.id, object: 'file', deleted: true };
      },
  },
  {
    method: 'get',
    path: '/v1/files/:file_id/content',
    doc: {
      summary: "A file's bytes (input JSONL, or a batch's output or error JSONL)",
      response: { raw: 'JSONL bytes', mediaTypes: ['application/octet-stream'] },
      errors: ERRORS,
    },
    handler:
      ({ batches }) =>
      async (request, reply) => {
        request.ctx.surface = 'openai-files';
        const content = await batches.fileContent((request.params as { file_id: string }).file_id, request.ctx);
        reply.header('content-type', 'application/octet-stream');
        return reply.send(content);
      },
  },
];
