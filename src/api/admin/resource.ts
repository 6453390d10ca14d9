import { randomUUID } from 'node:crypto';
import { FILE_ID_PREFIX, type ControlSnapshot } from '../../control/snapshot.js';
import type { ResourceKind, StoredResource } from '../../store/repository.js';
import type { NamedSchema } from '../openapi/registry.js';
import type { SurfaceRoute } from '../surface.js';
import { notFound, pageQuerySchema, paginate, readOnly, uniquely, type AdminDeps, type AdminSurfaceDeps } from './common.js';

/** Resources of a kind declared in the config file: listed before the database's, read-only. */
export interface FileResources<F> {
  list(snap: ControlSnapshot): readonly F[];
  get(snap: ControlSnapshot, name: string): F | undefined;
  render(item: F): Record<string, unknown>;
}

/** What the admin API needs to know about one resource kind to serve its common routes. */
export interface ResourceSpec<F = never> {
  readonly kind: ResourceKind;
  /** `object` in responses, e.g. `provider_key`. */
  readonly object: string;
  /** How messages name it, e.g. `provider key`. */
  readonly what: string;
  /** Prefix of generated ids, e.g. `pk`. */
  readonly idPrefix: string;
  /** The field whose value must be unique (the row's name); undefined when ids are generated. */
  readonly uniqueField?: string;
  rows(snap: ControlSnapshot): readonly StoredResource[];
  render(row: StoredResource): Record<string, unknown>;
  readonly file?: FileResources<F>;
  /** Throws to refuse a delete that would leave another resource dangling. */
  beforeDelete?(snap: ControlSnapshot, id: string): void;
}

export const newResourceId = (spec: ResourceSpec<unknown>): string => `${spec.idPrefix}_${randomUUID().replaceAll('-', '')}`;

/** The create and update handlers of a kind (the parts that differ between kinds). */
export interface ResourceWrites {
  readonly create: SurfaceRoute<AdminSurfaceDeps>['handler'];
  readonly patch: SurfaceRoute<AdminSurfaceDeps>['handler'];
}

/** What the OpenAPI document says about one kind beyond the common routes. */
export interface ResourceDocs {
  /** Plural for summaries, e.g. `provider keys`. */
  readonly plural: string;
  readonly create: NamedSchema;
  readonly patch: NamedSchema;
  /** Extra words on creation, e.g. that a secret is shown only once. */
  readonly createNote?: string;
}

/**
 * The five routes of a kind, documented from the schemas `parseBody`/`paginate` validate with:
 * `GET base` (paginated), `POST base`, and `GET`, `PATCH`, `DELETE base/:id`; reading and
 * deleting are the same for every kind, creating and updating are the kind's own.
 */
export function resourceRoutes<F>(
  base: string,
  spec: ResourceSpec<F>,
  docs: ResourceDocs,
  writes: ResourceWrites,
): SurfaceRoute<AdminSurfaceDeps>[] {
  const fromFile = spec.file
    ? ` Items declared in the config file come first, with ids \`${FILE_ID_PREFIX}<name>\`, and are read-only.`
    : '';
  return [
    {
      method: 'get',
      path: base,
      doc: {
        summary: `List ${docs.plural}`,
        description: `Offset pagination: \`{object: "list", data, has_more, next_offset}\`; pass \`next_offset\` as \`offset\` for the next page.${fromFile}`,
        query: pageQuerySchema,
        errors: [400, 401],
      },
      handler:
        ({ admin: deps }) =>
        async (request) => {
          const snap = deps().control.current;
          const fromFile = spec.file ? spec.file.list(snap).map((f) => spec.file!.render(f)) : [];
          // Rendered after paging: with 100,000 keys a page renders 100 of them, not all.
          const rendered = new Set<unknown>(fromFile);
          const page = paginate<unknown>([...fromFile, ...spec.rows(snap)], request.query as Record<string, string>);
          return { ...page, data: page.data.map((item) => (rendered.has(item) ? item : spec.render(item as StoredResource))) };
        },
    },
    {
      method: 'post',
      path: base,
      doc: { summary: `Create a ${spec.what}`, description: docs.createNote, request: docs.create, status: 201, errors: [400, 401, 409] },
      handler: writes.create,
    },
    {
      method: 'get',
      path: `${base}/:id`,
      doc: { summary: `Get a ${spec.what}`, errors: [401, 404] },
      handler:
        ({ admin: deps }) =>
        async (request) => {
          const { id } = request.params as { id: string };
          const { store, control } = deps();
          if (spec.file && id.startsWith(FILE_ID_PREFIX)) {
            const item = spec.file.get(control.current, id.slice(FILE_ID_PREFIX.length));
            if (item) return spec.file.render(item);
            throw notFound(spec.what, id);
          }
          const row = await store.getResource(spec.kind, id);
          if (!row) throw notFound(spec.what, id);
          return spec.render(row);
        },
    },
    {
      method: 'patch',
      path: `${base}/:id`,
      doc: {
        summary: `Update a ${spec.what}`,
        description: 'Only the fields sent change; `null` clears a nullable field.',
        request: docs.patch,
        errors: [400, 401, 404, 409],
      },
      handler: writes.patch,
    },
    {
      method: 'delete',
      path: `${base}/:id`,
      doc: { summary: `Delete a ${spec.what}`, description: 'Answers `{id, object, deleted: true}`.', errors: [401, 404, 409] },
      handler:
        ({ admin: deps }) =>
        async (request) => {
          const { id } = request.params as { id: string };
          if (spec.file && id.startsWith(FILE_ID_PREFIX)) throw readOnly(spec.what);
          const { store, control } = deps();
          spec.beforeDelete?.(control.current, id);
          if (!(await store.deleteResource(spec.kind, id))) throw notFound(spec.what, id);
          await control.changed(spec.kind, id);
          return { id, object: spec.object, deleted: true };
        },
    },
  ];
}

/** The stored row a `PATCH` edits: config-file resources are read-only, unknown ids 404. */
export async function editableRow(deps: AdminDeps, spec: ResourceSpec<unknown>, id: string): Promise<StoredResource> {
  if (spec.file && id.startsWith(FILE_ID_PREFIX)) throw readOnly(spec.what);
  const row = await deps.store.getResource(spec.kind, id);
  if (!row) throw notFound(spec.what, id);
  return row;
}

const guarded = <T>(spec: ResourceSpec<unknown>, write: () => Promise<T>): Promise<T> =>
  spec.uniqueField ? uniquely(spec.uniqueField, write) : write();

/** Stores a new resource and announces the change; returns the row. */
export async function createResource(
  deps: AdminDeps,
  spec: ResourceSpec<unknown>,
  name: string,
  data: object,
  id: string = newResourceId(spec),
): Promise<StoredResource> {
  const now = new Date().toISOString();
  const row: StoredResource = { id, kind: spec.kind, name, data: { ...data }, createdAt: now, updatedAt: now };
  await guarded(spec, () => deps.store.createResource(row));
  await deps.control.changed(spec.kind, id);
  return row;
}

/** Replaces a resource's name and data and announces the change; returns the updated row. */
export async function updateResource(
  deps: AdminDeps,
  spec: ResourceSpec<unknown>,
  row: StoredResource,
  name: string,
  data: object,
): Promise<StoredResource> {
  const updatedAt = new Date().toISOString();
  await guarded(spec, () => deps.store.updateResource(spec.kind, row.id, name, { ...data }, updatedAt));
  await deps.control.changed(spec.kind, row.id);
  return { ...row, name, data: { ...data }, updatedAt };
}
