import { loadOptional } from '../../runtime/optional-module.js';

const credentialProviders = (): typeof import('@aws-sdk/credential-providers') => loadOptional('@aws-sdk/credential-providers');
import type { AwsCredentialSettings } from '../../providers/types.js';

/** An AWS key pair as signers use it; `expiration` is set for temporary credentials. */
export interface AwsCredentialIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** Resolves the credentials to sign with; cheap to call per request (cached). */
export type AwsCredentialSource = () => Promise<AwsCredentialIdentity>;

/** Refresh this long before expiry so a request signed now is still valid when it lands. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * Credentials from the config: static keys, or the default Node chain (environment, shared
 * files and profiles, web identity, ECS, EC2 metadata), optionally with a role assumed on top.
 * @example awsCredentials({ region: 'us-west-2', roleArn: 'arn:aws:iam::123456789012:role/rerank' })
 */
export function awsCredentials(settings: AwsCredentialSettings): AwsCredentialSource {
  const base = baseSource(settings);
  if (!settings.roleArn) return base;
  const assumed = credentialProviders().fromTemporaryCredentials({
    params: {
      RoleArn: settings.roleArn,
      RoleSessionName: settings.sessionName ?? 'rankway',
      ...(settings.externalId ? { ExternalId: settings.externalId } : {}),
    },
    masterCredentials: base,
    clientConfig: {
      region: settings.region,
      ...(settings.stsEndpoint ? { endpoint: settings.stsEndpoint } : {}),
    },
  });
  return cached(() => assumed());
}

function baseSource(settings: AwsCredentialSettings): AwsCredentialSource {
  if (settings.accessKeyId && settings.secretAccessKey) {
    const identity: AwsCredentialIdentity = {
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      ...(settings.sessionToken ? { sessionToken: settings.sessionToken } : {}),
    };
    return () => Promise.resolve(identity);
  }
  const chain = credentialProviders().fromNodeProviderChain(settings.profile ? { profile: settings.profile } : {});
  return cached(() => chain());
}

/** After a failed load, wait this long (doubling up to the maximum) before trying again. */
const FAILURE_BACKOFF_MS = 1_000;
const MAX_FAILURE_BACKOFF_MS = 60_000;

/**
 * Keeps the last identity until shortly before it expires; concurrent callers share one
 * refresh. A failed refresh is remembered for a short, growing back-off: meanwhile callers
 * get the identity they had if it has not actually expired, or else the same error at once,
 * so a refused role or an unreachable STS is not hammered by every request.
 */
export function cached(load: AwsCredentialSource, now: () => number = Date.now): AwsCredentialSource {
  let current: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  let failure: { readonly error: unknown; readonly until: number; readonly backoff: number } | undefined;
  const usable = (identity: AwsCredentialIdentity | undefined, marginMs: number): identity is AwsCredentialIdentity =>
    identity !== undefined && (!identity.expiration || identity.expiration.getTime() - marginMs > now());
  return () => {
    if (usable(current, REFRESH_MARGIN_MS)) return Promise.resolve(current);
    if (failure && now() < failure.until) {
      return usable(current, 0) ? Promise.resolve(current) : Promise.reject(failure.error);
    }
    pending ??= load().then(
      (identity) => {
        current = identity;
        pending = undefined;
        failure = undefined;
        return identity;
      },
      (err: unknown) => {
        pending = undefined;
        const backoff = failure ? Math.min(MAX_FAILURE_BACKOFF_MS, failure.backoff * 2) : FAILURE_BACKOFF_MS;
        failure = { error: err, until: now() + backoff, backoff };
        if (usable(current, 0)) return current;
        throw err;
      },
    );
    return pending;
  };
}
