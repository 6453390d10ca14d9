import type { Target, TargetOptions } from '../types.js';

/** The operator's guardrail for every Converse call of an alias. */
export interface BedrockGuardrail {
  readonly identifier: string;
  readonly version: string;
  readonly trace?: string;
}

/** Bedrock's per-model options, read from the alias entry (`bedrock_route`, `guardrail`). */
export interface BedrockModelOptions {
  /** Agent Runtime `Rerank` (default) or runtime `InvokeModel` with the model's own body. */
  readonly bedrockRoute?: 'agent-runtime' | 'invoke-model';
  readonly guardrail?: BedrockGuardrail;
}

/** `ProviderAdapter.modelOptions` of Bedrock: the alias keys it reads, or undefined when none is set. */
export function bedrockModelOptions(alias: Readonly<Record<string, unknown>>): TargetOptions | undefined {
  const route = alias.bedrock_route as BedrockModelOptions['bedrockRoute'];
  const guardrail = alias.guardrail as BedrockGuardrail | undefined;
  if (route === undefined && guardrail === undefined) return undefined;
  const options: BedrockModelOptions = { bedrockRoute: route, guardrail };
  return options as TargetOptions;
}

/** A target's Bedrock options, typed (empty when the alias set none). */
export const bedrockOptionsOf = (target: Pick<Target, 'options'>): BedrockModelOptions => (target.options ?? {}) as BedrockModelOptions;
