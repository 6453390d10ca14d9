import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { GatewayError } from '../errors/gateway-error.js';
import type { NamedSchema, OpenApiRegistry, RouteDoc } from './openapi/registry.js';

/**
 * A wire surface as data: everything the server needs to serve it and the OpenAPI document
 * needs to describe it. `server/surface.ts` turns one into a Fastify scope (body parser,
 * error and 404 handlers, auth, routes) and its OpenAPI entries, so no surface wires its own.
 * See docs/surfaces.md for a worked example.
 *
 * `D` is what the handlers need (services, config), given when the surface is mounted.
 * @example
 * export const pingSurface = defineSurface<{ greeting: string }>({
 *   name: 'ping', listener: 'proxy', prefix: '/ping', body: { kind: 'json' }, auth: 'key',
 *   errors: openAiErrors, tags: ['ping'],
 *   routes: [{ method: 'get', path: '/', doc: { summary: 'Ping' }, handler: (d) => async () => ({ says: d.greeting }) }],
 * });
 */
export interface Surface<D = unknown> {
  /** Short name, for logs and docs (`rerank`, `bedrock-runtime` ...). */
  readonly name: string;
  /** Which listener serves it: the proxy port (3000) or the admin port (3001). */
  readonly listener: 'proxy' | 'admin';
  /**
   * Path prefix of every route. A surface with a prefix owns the 404s under it (rendered in its
   * envelope); one without shares the listener's 404, so two surfaces never claim one prefix.
   */
  readonly prefix?: string;
  readonly body: BodyPolicy;
  readonly auth: AuthPolicy;
  /** How this surface answers errors (every error, 404s under its prefix included). */
  readonly errors: ErrorEnvelope;
  /** OpenAPI tags of its routes unless a route names its own. */
  readonly tags: readonly string[];
  readonly routes: readonly SurfaceRoute<D>[];
}

/**
 * How request bodies are read. Every JSON body goes through the guarded parser (nesting
 * depth, `__proto__` and `constructor.prototype` refused), whatever the surface.
 * - `json`: `application/json` only (anything else is a 415).
 * - `json` + `anyType`: any content type parsed as JSON (AWS SDKs send none or their own).
 * - `json` + `keepRaw`: the bytes are also kept as `request.rawBody` (SigV4 signs them).
 * - `json` + `multipart`: `multipart/form-data` too, as a `FormData`.
 * - `raw`: the bytes as received, unread, as a Buffer (and `rawBody`): passthrough surfaces.
 */
export type BodyPolicy =
  | { readonly kind: 'json'; readonly anyType?: boolean; readonly keepRaw?: boolean; readonly multipart?: boolean }
  | { readonly kind: 'raw' };

/**
 * Who may call it:
 * - `key`: a Rankway caller key (the proxy's auth hook; `server.auth: none` lets everyone in);
 * - `key-or-sigv4`: a caller key or AWS SigV4 signed with a Rankway-issued key pair;
 * - `admin`: the admin key;
 * - `public`: anyone (health probes, the OpenAPI document).
 */
export type AuthPolicy = 'key' | 'key-or-sigv4' | 'admin' | 'public';

/** A surface's error answer: status and headers are set by the plugin, `render` gives the body. */
export interface ErrorEnvelope {
  /** Sets any surface-specific headers or status on `reply` and returns the body. */
  render(err: GatewayError, request: FastifyRequest, reply: FastifyReply): unknown;
  /** The error body in the OpenAPI document, when it is not the shared `ErrorEnvelope`. */
  readonly schema?: NamedSchema;
  /** Maps errors this surface knows about (e.g. a database outage) before the generic mapping. */
  classify?(error: unknown): GatewayError | undefined;
}

/** One route: its path and method, its documentation, and the factory of its handler. */
export interface SurfaceRoute<D = unknown> {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Relative to the surface prefix, in Fastify syntax (`/keys/:id`); documented as `/keys/{id}`. */
  readonly path: string;
  /** What the OpenAPI document says, or `false` for an undocumented alias of a documented route. */
  readonly doc: RouteDocs | false;
  /** Body limit for this route when it differs from the listener's. */
  readonly bodyLimit?: (deps: D) => number;
  /**
   * The handler gets a `RawJsonBody` (bytes, guarded parse on demand) instead of a parsed JSON
   * body: rerank keeps string documents as raw JSON bytes from the caller to the upstream.
   */
  readonly rawJsonBody?: boolean;
  /** Mounted only when this holds for the deps given (e.g. `/metrics` only with metrics). */
  readonly when?: (deps: D) => boolean;
  /** Called once at mount: returns the request handler (so per-boot work is not per request). */
  readonly handler: (deps: D) => (request: FastifyRequest, reply: FastifyReply) => unknown;
}

/** The per-route part of an OpenAPI entry; listener, tags, auth and error shape come from the surface. */
export interface RouteDocs {
  readonly summary: string;
  readonly description?: string;
  /** The documented path when it is not the route's own (a Fastify path that cannot say `:rank`). */
  readonly path?: string;
  readonly tags?: readonly string[];
  readonly request?: NamedSchema;
  readonly rawRequest?: string;
  readonly query?: z.ZodObject;
  readonly response?: RouteDoc['response'];
  readonly status?: number;
  readonly stream?: string;
  readonly errors?: readonly number[];
}

/** Identity, for type inference of `D` in a declaration. */
export const defineSurface = <D>(surface: Surface<D>): Surface<D> => surface;

/** `/keys/:id` as OpenAPI writes it: `/keys/{id}`. */
const openApiPath = (path: string): string => path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');

/** Full path of a route: the prefix, then the route (`/` alone adds nothing). */
export const fullPath = (surface: Pick<Surface, 'prefix'>, path: string): string =>
  (surface.prefix ?? '') + (path === '/' && surface.prefix ? '' : path);

/** Adds a surface's documented routes to the registry (`deps` given: only the routes mounted with them). */
export function describeSurface<D>(registry: OpenApiRegistry, surface: Surface<D>, deps?: D): void {
  for (const route of surface.routes) {
    if (route.doc === false) continue;
    if (deps !== undefined && route.when && !route.when(deps)) continue;
    const doc = route.doc;
    registry.add({
      ...doc,
      method: route.method,
      path: doc.path ?? openApiPath(fullPath(surface, route.path)),
      server: surface.listener,
      tags: doc.tags ?? surface.tags,
      errorShape: doc.errors && surface.errors.schema ? surface.errors.schema : undefined,
      public: surface.auth === 'public' ? true : undefined,
      sigv4: surface.auth === 'key-or-sigv4' ? true : undefined,
    });
  }
}
