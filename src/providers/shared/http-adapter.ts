import type { ProviderBaseConfig } from './options.js';
import type { GatewayError } from '../../errors/gateway-error.js';
import { failureFromReply, genericMessage } from './errors.js';
import type { ProviderAdapter, ProviderCapabilities, UpstreamReply } from '../types.js';

interface BearerAdapterOptions {
  readonly type: string;
  readonly config: ProviderBaseConfig;
  readonly defaultBaseUrl: string;
  readonly maxDocumentsPerCall: number;
  readonly capabilities: ProviderCapabilities;
  readonly extractMessage?: (body: unknown) => string | undefined;
}

/** The common shape of an API-key provider: one base URL, bearer auth, status-based errors. */
export function bearerAdapter(options: BearerAdapterOptions): ProviderAdapter {
  const { config } = options;
  const extract = options.extractMessage ?? genericMessage;
  return {
    type: options.type,
    endpoints: { default: stripSlash(config.base_url ?? options.defaultBaseUrl) },
    auth: config.api_key ? { scheme: 'bearer', token: config.api_key } : { scheme: 'none' },
    limits: {
      maxDocumentsPerCall: Math.min(config.max_documents_per_request ?? options.maxDocumentsPerCall, options.maxDocumentsPerCall),
    },
    capabilities: options.capabilities,
    parseError: (reply: UpstreamReply): GatewayError => failureFromReply(reply, extract),
  };
}

export const stripSlash = (url: string): string => (url.endsWith('/') ? url.slice(0, -1) : url);
