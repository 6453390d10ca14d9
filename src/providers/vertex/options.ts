import { z } from 'zod';
import { providerOptions } from '../shared/options.js';

/** Options of a `vertex` provider (Discovery Engine ranking). */
export const vertexOptions = providerOptions({
  project: z.string().min(1, 'project is required'),
  location: z.string().min(1).default('global'),
  ranking_config: z.string().min(1).default('default_ranking_config'),
  /** Path of a service-account key file (read when the config loads). */
  credentials_file: z.string().min(1).optional(),
  /** A service-account key inline, as a JSON string or an object. */
  credentials_json: z
    .union([z.string(), z.record(z.string(), z.unknown())])
    .transform((v, ctx) => {
      if (typeof v !== 'string') return v;
      try {
        return JSON.parse(v) as Record<string, unknown>;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'credentials_json is not valid JSON' });
        return z.NEVER;
      }
    })
    .optional(),
  /** A ready OAuth2 access token (short-lived; for testing or external refreshers). */
  access_token: z.string().min(1).optional(),
})
  .refine((c) => [c.credentials_file, c.credentials_json, c.access_token].filter((v) => v !== undefined).length <= 1, {
    message: 'set at most one of credentials_file, credentials_json and access_token (none = application default credentials)',
  })
  .refine(
    (c) =>
      c.credentials_json === undefined ||
      (typeof c.credentials_json.client_email === 'string' && typeof c.credentials_json.private_key === 'string'),
    {
      message: 'credentials_json must be a service-account key with client_email and private_key',
      path: ['credentials_json'],
    },
  );
export type VertexConfig = z.infer<typeof vertexOptions>;

/** Google tools' names for a key file, which Vertex ignored before (falling back to default credentials). */
export const vertexOptionHints = {
  service_account_key_file: 'credentials_file',
  service_account_file: 'credentials_file',
  key_file: 'credentials_file',
  keyfile: 'credentials_file',
  key_filename: 'credentials_file',
  google_application_credentials: 'credentials_file',
  service_account_json: 'credentials_json',
  service_account_key: 'credentials_json',
  credentials: 'credentials_json',
  project_id: 'project',
  region: 'location',
} as const;
