import { HttpRequest } from '@smithy/protocol-http';
import type { SignatureV4 as SignatureV4Type } from '@smithy/signature-v4';
import { loadOptional } from '../../runtime/optional-module.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { AwsCredentialSource } from './aws-credentials.js';
import { NodeSha256 } from './sha256.js';
import type { OutboundRequest, UpstreamAuth } from './types.js';

export interface SigV4Options {
  /** Signing name: `bedrock` for both the Bedrock runtime and agent runtime. */
  readonly service: string;
  readonly region: string;
  readonly credentials: AwsCredentialSource;
  /** S3 only: the canonical path is the wire path as is. */
  readonly singleEncodePath?: boolean;
}

/**
 * Signs requests with AWS Signature Version 4, over exactly the path that goes on the wire.
 * The wire path is already percent-encoded, so `uriEscapePath` encodes it once more for the
 * canonical request, as AWS does (docs/protocols.md §4.6).
 */
export function sigv4Auth(options: SigV4Options): UpstreamAuth {
  const signer = new (loadOptional<{ SignatureV4: typeof SignatureV4Type }>('@smithy/signature-v4').SignatureV4)({
    service: options.service,
    region: options.region,
    credentials: options.credentials,
    sha256: NodeSha256,
    uriEscapePath: options.singleEncodePath !== true,
  });
  return {
    async apply(request: OutboundRequest) {
      const url = new URL(request.origin);
      // Sign the host the transport will send; undici uses an explicit host header as is.
      request.headers.host = url.host;
      const [path, query] = splitQuery(request.path);
      const unsigned = new HttpRequest({
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path,
        query,
        headers: { ...request.headers },
        body: request.body,
      });
      const signed = await signer.sign(unsigned).catch((err: unknown) => {
        // No usable credentials (empty chain, STS refused the role ...): try the next target.
        throw new GatewayError('upstream_auth_failed', 'The gateway could not obtain AWS credentials for this provider', {
          failure: 'credential',
          detail: `AWS credentials: ${(err as Error).name}: ${(err as Error).message}`,
          cause: err,
        });
      });
      for (const [name, value] of Object.entries(signed.headers)) request.headers[name] = value;
    },
  };
}

function splitQuery(path: string): [string, Record<string, string>] {
  const q = path.indexOf('?');
  if (q < 0) return [path, {}];
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(path.slice(q + 1))) query[k] = v;
  return [path.slice(0, q), query];
}
