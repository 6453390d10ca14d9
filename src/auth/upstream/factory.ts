import type { AuthSpec } from '../../providers/types.js';
import { bearerAuth } from './bearer.js';
import { googleAuth } from './google.js';
import { noAuth, type UpstreamAuth } from './types.js';

/** Builds the signer a provider instance asked for. New schemes are added here. */
export function createUpstreamAuth(spec: AuthSpec): UpstreamAuth {
  switch (spec.scheme) {
    case 'bearer':
      return bearerAuth(spec.token);
    case 'google':
      return googleAuth(spec);
    case 'none':
      return noAuth;
  }
}
