import { z } from 'zod';

/** A named schema, emitted once under `components.schemas` and referenced from operations. */
export interface NamedSchema {
  readonly name: string;
  readonly schema: z.ZodType;
}

/** One route as a surface describes it; the same zod schemas the route validates with. */
export interface RouteDoc {
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  readonly path: string;
  /** Which listener serves it: the proxy port (3000) or the admin port (3001). */
  readonly server: 'proxy' | 'admin';
  readonly summary: string;
  readonly description?: string;
  readonly tags?: readonly string[];
  readonly request?: NamedSchema;
  /** Body passed through unread (native Bedrock runtime): described in words, any media type. */
  readonly rawRequest?: string;
  /** Query parameters: a zod object the route parses `request.query` with; one parameter per field. */
  readonly query?: z.ZodObject;
  /**
   * JSON response schema, `text` for plain-text bodies (Prometheus exposition), or `raw` for
   * bodies passed through from upstream in the listed media types.
   */
  readonly response?: NamedSchema | { readonly text: string } | { readonly raw: string; readonly mediaTypes: readonly string[] };
  /** Success status when not 200 (201 for creations). */
  readonly status?: number;
  /** With `stream: true` the 200 answer is Server-Sent Events; this says what the events hold. */
  readonly stream?: string;
  /** Error statuses worth listing; each uses the shared error envelope unless `errorShape` is given. */
  readonly errors?: readonly number[];
  /** The error body when the surface answers in another vendor's shape (e.g. AWS rest-json). */
  readonly errorShape?: NamedSchema;
  /** Served without caller authentication. */
  readonly public?: boolean;
  /** Also accepts AWS SigV4 signed with a Rankway-issued access key pair. */
  readonly sigv4?: boolean;
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request',
  401: 'Missing or invalid API key',
  403: 'Model not allowed for this key',
  404: 'Unknown model, resource or route',
  409: 'Conflict: name taken, resource in use, or declared in the config file (read-only)',
  413: 'Body larger than the configured limit',
  415: 'Content-Type is not application/json',
  429: 'Rate limited (Retry-After set)',
  502: 'Upstream provider failed',
  503: 'Overloaded or shutting down (Retry-After set)',
  504: 'Upstream provider timed out',
};

/** `{"error": {"message", "type", "param", "code"}}`, the envelope every error uses. */
export const errorEnvelopeSchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.string(),
  }),
});

/**
 * Collects route descriptions from every surface and renders one OpenAPI 3.1 document.
 * JSON Schema 2020-12 (what OpenAPI 3.1 embeds) comes from zod's own `toJSONSchema`.
 */
export class OpenApiRegistry {
  private readonly routes: RouteDoc[] = [];

  add(route: RouteDoc): void {
    if (this.routes.some((r) => r.method === route.method && r.path === route.path && r.server === route.server)) {
      throw new Error(`OpenAPI: ${route.method.toUpperCase()} ${route.path} registered twice`);
    }
    this.routes.push(route);
  }

  document(info: { version: string }): Record<string, unknown> {
    const schemas: Record<string, unknown> = { ErrorEnvelope: toSchema(errorEnvelopeSchema, 'output') };
    const paths: Record<string, Record<string, unknown>> = {};
    const ref = (named: NamedSchema, io: 'input' | 'output'): Record<string, string> => {
      schemas[named.name] ??= toSchema(named.schema, io);
      return { $ref: `#/components/schemas/${named.name}` };
    };
    const sorted = [...this.routes].sort(
      (a, b) => a.server.localeCompare(b.server) || a.path.localeCompare(b.path) || a.method.localeCompare(b.method),
    );
    for (const r of sorted) {
      const responses: Record<string, unknown> = {};
      const ok = String(r.status ?? 200);
      const okText = r.status === 201 ? 'Created' : 'OK';
      if (r.response && 'text' in r.response) {
        responses[ok] = { description: r.response.text, content: { 'text/plain': { schema: { type: 'string' } } } };
      } else if (r.response && 'raw' in r.response) {
        responses[ok] = { description: r.response.raw, content: Object.fromEntries(r.response.mediaTypes.map((t) => [t, {}])) };
      } else if (r.response) {
        responses[ok] = { description: okText, content: { 'application/json': { schema: ref(r.response, 'output') } } };
      } else {
        responses[ok] = { description: okText };
      }
      if (r.stream) {
        const answer = responses[ok] as { description: string; content?: Record<string, unknown> };
        answer.description = `${answer.description}. With \`"stream": true\`: ${r.stream}`;
        answer.content = { ...answer.content, 'text/event-stream': { schema: { type: 'string', description: r.stream } } };
      }
      const errorSchema = r.errorShape ? ref(r.errorShape, 'output') : { $ref: '#/components/schemas/ErrorEnvelope' };
      for (const status of r.errors ?? []) {
        responses[String(status)] = {
          description: ERROR_DESCRIPTIONS[status] ?? 'Error',
          content: { 'application/json': { schema: errorSchema } },
        };
      }
      const op: Record<string, unknown> = { summary: r.summary, operationId: operationId(r), tags: r.tags ?? [r.server] };
      if (r.description) op.description = r.description;
      const params: Record<string, unknown>[] = [...r.path.matchAll(/\{([^}]+)\}/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      }));
      if (r.query) params.push(...queryParameters(r.query));
      if (params.length > 0) op.parameters = params;
      if (r.request) op.requestBody = { required: true, content: { 'application/json': { schema: ref(r.request, 'input') } } };
      if (r.rawRequest) op.requestBody = { required: true, description: r.rawRequest, content: { '*/*': {} } };
      op.responses = responses;
      if (r.server === 'admin') op.servers = [{ url: 'http://127.0.0.1:3001', description: 'admin listener (keep it private)' }];
      // On the admin listener only `/admin/*` asks for the admin key (health, readiness and metrics do not).
      if (r.public || (r.server === 'admin' && !r.path.startsWith('/admin/'))) op.security = [];
      else if (r.server === 'admin') op.security = [{ adminBearer: [] }, { adminApiKey: [] }];
      else if (r.sigv4) op.security = [{ bearer: [] }, { apiKey: [] }, { sigv4: [] }];
      const item = (paths[r.path] ??= {});
      // One OpenAPI path item per path: the proxy and admin listeners must not share a route.
      if (item[r.method]) throw new Error(`OpenAPI: ${r.method.toUpperCase()} ${r.path} is served by both listeners`);
      item[r.method] = op;
    }
    return {
      openapi: '3.1.0',
      info: {
        title: 'Rankway',
        version: info.version,
        description: 'An AI gateway centred on reranking. Proxy API on port 3000, admin API on port 3001.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [{ url: 'http://127.0.0.1:3000', description: 'proxy listener' }],
      security: [{ bearer: [] }, { apiKey: [] }],
      paths,
      components: {
        schemas,
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <Rankway key>' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          sigv4: {
            type: 'apiKey',
            in: 'header',
            name: 'Authorization',
            description: 'AWS Signature Version 4 (service `bedrock`) signed with an access key pair from `POST /admin/v1/aws_access_keys`',
          },
          adminBearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'Authorization: Bearer <admin key> (RANKWAY_ADMIN_KEY, or the key printed on first start)',
          },
          adminApiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The admin key' },
        },
      },
    };
  }
}

function toSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

/** One `in: query` parameter per field of the route's query schema, as its input side. */
function queryParameters(schema: z.ZodObject): Record<string, unknown>[] {
  const json = toSchema(schema, 'input') as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    const param: Record<string, unknown> = { name, in: 'query', required: json.required?.includes(name) ?? false, schema: rest };
    if (description !== undefined) param.description = description;
    return param;
  });
}

function operationId(r: RouteDoc): string {
  const words = r.path.split(/[^a-zA-Z0-9]+/).filter(Boolean);
  return r.method + words.map((w) => w[0].toUpperCase() + w.slice(1)).join('') + (r.server === 'admin' ? 'Admin' : '');
}
