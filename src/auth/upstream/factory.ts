import type { AuthSpec } from '../../providers/types.js';
import { bearerAuth, headerKeyAuth } from './bearer.js';
import { noAuth, type UpstreamAuth } from './types.js';

/** Builds the signer a provider instance asked for. New schemes are added here. */
export function createUpstreamAuth(spec: AuthSpec): UpstreamAuth {
  switch (spec.scheme) {
    case 'bearer':
      return bearerAuth(spec.token);
    case 'header':
      return headerKeyAuth(spec.header, spec.token);
    case 'none':
      return noAuth;
  }
}
