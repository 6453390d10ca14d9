import type { AuthSpec } from '../../providers/types.js';
import { awsCredentials } from './aws-credentials.js';
import { bearerAuth, headerKeyAuth } from './bearer.js';
import { sigv4Auth } from './sigv4.js';
import { googleAuth } from './google.js';
import { noAuth, type UpstreamAuth } from './types.js';

/** Builds the signer a provider instance asked for. New schemes are added here. */
export function createUpstreamAuth(spec: AuthSpec): UpstreamAuth {
  switch (spec.scheme) {
    case 'bearer':
      return bearerAuth(spec.token);
    case 'header':
      return headerKeyAuth(spec.header, spec.token);
    case 'sigv4':
      return sigv4Auth({
        service: spec.service,
        region: spec.region,
        credentials: awsCredentials(spec.credentials),
        singleEncodePath: spec.singleEncodePath,
      });
    case 'google':
      return googleAuth(spec);
    case 'none':
      return noAuth;
  }
}
