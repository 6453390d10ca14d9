import { z } from 'zod';
import type { AdminKey } from '../../auth/inbound/admin-key.js';
import type { SecretBox } from '../../auth/secrets/secret-box.js';
import type { ControlPlane } from '../../control/control-plane.js';
import type { ModelConfig } from '../../config/schema.js';
import type { CalibrationTable } from '../../core/rerank/calibrate.js';
import type { Injector } from '../../eval/proxy-reranker.js';
import type { EvalRunService } from '../../eval/run-service.js';
import type { LabStore } from '../../store/lab.js';
import type { EvalStore } from '../../store/eval.js';
import { coded, GatewayError, invalidRequest } from '../../errors/gateway-error.js';
import type { Logger } from '../../observability/log.js';
import { DuplicateNameError, type ControlStore } from '../../store/repository.js';

export interface AdminDeps {
  readonly store: ControlStore;
  readonly control: ControlPlane;
  readonly box: SecretBox;
  readonly adminKey: AdminKey;
  readonly logger: Logger;
}

export type AdminDepsGetter = () => AdminDeps;

/** What the admin surface's handlers are given. */
export interface AdminSurfaceDeps {
  /** The store, control plane and keys; throws (503) while the database is not reachable. */
  readonly admin: AdminDepsGetter;
  /** Rerank Lab: stored sets and runs, and the service that runs them. */
  readonly evals: () => EvalStore;
  readonly evalRuns: EvalRunService;
  /** Largest evaluation-set upload (bytes); 256 MiB by default. */
  readonly evalBodyLimit?: number;
  /** Rerank Lab on live traffic: shadow and split reports, score calibrations. */
  readonly lab: AdminLabDeps;
  /** The proxy, for the console's playground (requests go through it in-process). */
  readonly proxy?: () => Injector;
}

export interface AdminLabDeps {
  readonly store: () => LabStore;
  readonly aliases: () => readonly ModelConfig[];
  /** Writes the aggregates buffered in memory, so a report includes the last seconds. */
  readonly flush: () => Promise<void>;
  readonly table: CalibrationTable;
  /** `provider/model` a model name routes to, undefined when unknown. */
  readonly resolve: (model: string) => string | undefined;
}

/** Validates a JSON body; the first problem becomes a 400 naming the field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('Request body must be a JSON object');
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = issue.path.map(String).join('.') || null;
  const message = issue.code === 'unrecognized_keys' ? `Unknown field(s): ${issue.keys.join(', ')}` : issue.message;
  throw invalidRequest(param ? `${param}: ${message}` : message, param);
}

export interface Page<T> {
  readonly object: 'list';
  readonly data: T[];
  readonly has_more: boolean;
  /** Pass as `offset` to get the next page; null on the last page. */
  readonly next_offset: number | null;
}

const LIMIT_MESSAGE = 'limit must be an integer from 1 to 500';
const OFFSET_MESSAGE = 'offset must be a non-negative integer';

/** Offset pagination: `?limit=` (1-500, default 100) and `?offset=` (default 0). Other query fields are ignored. */
export const pageQuerySchema = z.object({
  limit: z.coerce
    .number({ error: LIMIT_MESSAGE })
    .int(LIMIT_MESSAGE)
    .min(1, LIMIT_MESSAGE)
    .max(500, LIMIT_MESSAGE)
    .default(100)
    .describe('Page size, 1-500'),
  offset: z.coerce
    .number({ error: OFFSET_MESSAGE })
    .int(OFFSET_MESSAGE)
    .min(0, OFFSET_MESSAGE)
    .default(0)
    .describe('Items to skip; `next_offset` of the previous page'),
});

/** Validates a query string; the first problem becomes a 400 naming the parameter. */
export function parseQuery<S extends z.ZodType>(schema: S, query: unknown): z.output<S> {
  const parsed = schema.safeParse(query ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw invalidRequest(issue.message, issue.path.map(String).join('.') || null);
}

export function paginate<T>(items: readonly T[], query: unknown): Page<T> {
  const { limit, offset } = parseQuery(pageQuerySchema, query);
  const data = items.slice(offset, offset + limit);
  const more = offset + limit < items.length;
  return { object: 'list', data, has_more: more, next_offset: more ? offset + limit : null };
}

export const notFound = (what: string, id: string): GatewayError => coded('resource_not_found', { what, id }, { param: 'id' });

export const readOnly = (what: string): GatewayError => coded('read_only_resource', { what }, { param: 'id' });

/** Maps a unique-name violation onto a 409 naming the field. */
export async function uniquely<T>(field: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof DuplicateNameError) {
      throw new GatewayError('resource_conflict', `${field} '${err.resourceName}' is already in use`, { param: field });
    }
    throw err;
  }
}

export const conflict = (message: string, param: string | null = null): GatewayError =>
  new GatewayError('resource_conflict', message, { param });
