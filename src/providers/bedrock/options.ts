import { z } from 'zod';
import { providerOptions, upstreamUrl } from '../shared/options.js';

/** Run the pairing checks even when another field is wrong, so one pass reports them all. */
function isObject(payload: { value: unknown }): boolean {
  return typeof payload.value === 'object' && payload.value !== null;
}

/** Options of a `bedrock` provider: region, then static keys, a profile, the default chain or a role. */
export const bedrockOptions = providerOptions({
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region such as us-west-2'),
  access_key_id: z.string().min(1).optional(),
  secret_access_key: z.string().min(1).optional(),
  session_token: z.string().min(1).optional(),
  /** A profile from the shared config/credentials files (default chain otherwise). */
  profile: z.string().min(1).optional(),
  role_arn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN')
    .optional(),
  external_id: z.string().min(2).max(1224).optional(),
  session_name: z
    .string()
    .regex(/^[\w+=,.@-]{2,64}$/, 'must be 2-64 of letters, digits and +=,.@-_')
    .optional(),
  sts_endpoint: upstreamUrl.optional(),
  runtime_endpoint: upstreamUrl.optional(),
  agent_runtime_endpoint: upstreamUrl.optional(),
  /** S3 endpoint for reading async-invoke results (path-style requests), e.g. a VPC endpoint. */
  s3_endpoint: upstreamUrl.optional(),
  /** Bedrock control plane (model invocation jobs), `https://bedrock.{region}.amazonaws.com` by default. */
  control_endpoint: upstreamUrl.optional(),
  /** Batches: where uploaded files, job inputs and outputs are kept (s3://bucket/prefix). */
  batch_s3_uri: z
    .string()
    .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'must be s3://bucket/prefix')
    .optional(),
  /** Batches: the service role Bedrock assumes to read and write `batch_s3_uri`. */
  batch_role_arn: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN')
    .optional(),
  /** Where StartAsyncInvoke writes videos unless a request names its own `output_s3_uri`. */
  video_output_s3_uri: z
    .string()
    .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'must be s3://bucket/prefix')
    .optional(),
})
  .refine((c) => (c.access_key_id === undefined) === (c.secret_access_key === undefined), {
    message: 'access_key_id and secret_access_key go together',
    path: ['secret_access_key'],
    when: isObject,
  })
  .refine((c) => (c.batch_s3_uri === undefined) === (c.batch_role_arn === undefined), {
    message: 'batch_s3_uri and batch_role_arn go together (batches need both)',
    path: ['batch_role_arn'],
    when: isObject,
  })
  .refine((c) => c.session_token === undefined || c.access_key_id !== undefined, {
    message: 'session_token needs access_key_id and secret_access_key',
    path: ['session_token'],
    when: isObject,
  });
export type BedrockConfig = z.infer<typeof bedrockOptions>;

/**
 * Names from other AWS tools that a Bedrock entry silently ignored before (then signing with the
 * instance role): the key each one means.
 */
export const bedrockOptionHints = {
  access_key: 'access_key_id',
  aws_access_key_id: 'access_key_id',
  secret_key: 'secret_access_key',
  aws_secret_access_key: 'secret_access_key',
  aws_session_token: 'session_token',
  token: 'session_token',
  aws_region: 'region',
  assume_role_arn: 'role_arn',
  endpoint: 'runtime_endpoint',
  endpoint_url: 'runtime_endpoint',
} as const;
