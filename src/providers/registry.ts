import { bedrockProvider } from './bedrock/index.js';
import { cohereProvider } from './cohere/index.js';
import { jinaProvider } from './jina/index.js';
import { localProvider } from './local/index.js';
import { openaiCompatibleProvider } from './openai-compatible/index.js';
import { openaiProvider } from './openai/index.js';
import { teiProvider } from './tei/index.js';
import { vertexProvider } from './vertex/index.js';
import { vllmProvider } from './vllm/index.js';
import { voyageProvider } from './voyage/index.js';
import type { ProviderDefinition } from './types.js';

/** Every provider type Rankway speaks, by the `type` used in the config file. */
export const PROVIDER_TYPES: ReadonlyMap<string, ProviderDefinition<any>> = new Map(
  [
    cohereProvider,
    bedrockProvider,
    vllmProvider,
    teiProvider,
    jinaProvider,
    voyageProvider,
    openaiCompatibleProvider,
    openaiProvider,
    localProvider,
    vertexProvider,
  ].map((p) => [p.type, p] as const),
);
