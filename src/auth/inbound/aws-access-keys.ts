import type { Caller } from '../../core/context.js';

/** An admin-issued AWS-style key pair, as a SigV4 verifier needs it. */
export interface AwsAccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Who a request signed with this pair is: the API key it was issued for. */
  readonly caller: Caller;
  readonly disabled: boolean;
  /** Epoch ms; undefined when the linked key never expires. */
  readonly expiresAt?: number;
}

/**
 * Finds the secret for an access key id, so an inbound SigV4 verifier can recompute a
 * signature. Backed by the current control-plane snapshot: no database on the request path.
 */
export interface AwsAccessKeyLookup {
  find(accessKeyId: string): AwsAccessKey | undefined;
}
