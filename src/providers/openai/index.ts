import { failureFromReply, genericMessage } from '../shared/errors.js';
import { stripSlash } from '../shared/http-adapter.js';
import type { AuthSpec, ProviderDefinition, UpstreamReply } from '../types.js';
import { openAiChat, type PathFor } from './chat.js';
import { openAiEmbeddings } from './embeddings.js';
import { openAiChatStream } from './stream.js';
import { openaiOptionHints, openaiOptions, type OpenAiOptions } from './options.js';

type OpenAiConfig = OpenAiOptions;

function pathsFor(config: OpenAiConfig): PathFor {
  if (!config.azure) return (operation) => `/${operation}`;
  const query = `?api-version=${encodeURIComponent(config.azure.api_version)}`;
  return (operation, model) => `/openai/deployments/${encodeURIComponent(model)}/${operation}${query}`;
}

function authFor(config: OpenAiConfig): AuthSpec {
  if (!config.api_key) return { scheme: 'none' };
  return config.azure ? { scheme: 'header', header: 'api-key', token: config.api_key } : { scheme: 'bearer', token: config.api_key };
}

/** OpenAI, Azure OpenAI, vLLM and any server speaking OpenAI's chat and embeddings API. */
export const openaiProvider: ProviderDefinition<OpenAiConfig> = {
  type: 'openai',
  configSchema: openaiOptions,
  optionHints: openaiOptionHints,
  create(config) {
    const paths = pathsFor(config);
    return {
      type: 'openai',
      endpoints: { default: stripSlash(config.base_url) },
      auth: authFor(config),
      limits: { maxDocumentsPerCall: 1 },
      capabilities: { chat: openAiChat(paths), chatStream: openAiChatStream(paths), embeddings: openAiEmbeddings(paths) },
      parseError: (reply: UpstreamReply) => failureFromReply(reply, genericMessage),
    };
  },
};
