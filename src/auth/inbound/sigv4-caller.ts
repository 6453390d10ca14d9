import type { Caller } from '../../core/context.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { verifySigV4, type ReceivedRequest, type SigV4KeyLookup, type SigV4Secret } from './sigv4-verify.js';

/** A key pair plus who it belongs to; the admin API may later issue these from a store. */
export interface AwsCallerKey extends SigV4Secret {
  readonly name: string;
  readonly allowedModels?: readonly string[];
  /** The full caller (key id, limits) when the pair was issued for an API key. */
  readonly caller?: Caller;
}

/** Where caller key pairs are looked up (config file today, a store later). */
export interface AwsCallerKeyDirectory extends SigV4KeyLookup {
  find(accessKeyId: string): AwsCallerKey | undefined | Promise<AwsCallerKey | undefined>;
}

/**
 * Authenticates a SigV4-signed caller (service `bedrock`, any region) against Rankway-issued
 * key pairs. Failures are `invalid_api_key`; the AWS-native reason is kept in the message.
 */
export class SigV4CallerAuthenticator {
  constructor(private readonly keys: AwsCallerKeyDirectory) {}

  async authenticate(request: ReceivedRequest): Promise<Caller> {
    const result = await verifySigV4(request, { keys: this.keys, service: 'bedrock' });
    if (!result.ok) {
      // A query that cannot be decoded is a malformed request, not a wrong signature.
      if (result.code === 'MalformedQueryString') throw new GatewayError('invalid_request', result.message, { param: 'query' });
      throw new GatewayError('invalid_api_key', `${result.message} (${result.code})`);
    }
    const key = (await this.keys.find(result.accessKeyId))!;
    return key.caller ?? { keyId: key.accessKeyId, name: key.name, allowedModels: key.allowedModels };
  }
}
