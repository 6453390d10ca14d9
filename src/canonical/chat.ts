/**
 * Canonical chat types. Rankway's chat surface is OpenAI Chat Completions, the format most
 * clients speak, so the canonical request keeps OpenAI's message model (validated and typed);
 * providers translate from it (Bedrock Converse) or pass it through (OpenAI-compatible).
 */

export interface ChatTextPart {
  readonly type: 'text';
  readonly text: string;
}

export interface ChatImagePart {
  readonly type: 'image_url';
  readonly image_url: { readonly url: string; readonly detail?: string };
}

export type ChatContentPart = ChatTextPart | ChatImagePart;

export interface ChatToolCall {
  readonly id: string;
  readonly type: 'function';
  readonly function: { readonly name: string; readonly arguments: string };
}

export type ChatMessage =
  | { readonly role: 'system' | 'developer'; readonly content: string | readonly ChatTextPart[] }
  | { readonly role: 'user'; readonly content: string | readonly ChatContentPart[] }
  | {
      readonly role: 'assistant';
      readonly content?: string | readonly ChatTextPart[] | null;
      readonly tool_calls?: readonly ChatToolCall[];
    }
  | { readonly role: 'tool'; readonly tool_call_id: string; readonly content: string | readonly ChatTextPart[] };

export interface ChatTool {
  readonly type: 'function';
  readonly function: {
    readonly name: string;
    readonly description?: string;
    readonly parameters?: Record<string, unknown>;
    readonly strict?: boolean;
  };
}

export type ChatToolChoice = 'none' | 'auto' | 'required' | { readonly type: 'function'; readonly function: { readonly name: string } };

/**
 * One chat request as core sees it.
 * @example { model: 'claude-bedrock', messages: [{ role: 'user', content: 'Hi' }], stream: false }
 */
export interface ChatRequest {
  readonly model: string;
  readonly messages: readonly ChatMessage[];
  readonly stream: boolean;
  /** Add a final usage chunk to a stream (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
  readonly maxTokens?: number;
  /** Which OpenAI field carried `maxTokens`, so pass-through keeps the caller's choice. */
  readonly maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  readonly temperature?: number;
  readonly topP?: number;
  readonly stop?: readonly string[];
  readonly tools?: readonly ChatTool[];
  readonly toolChoice?: ChatToolChoice;
  readonly user?: string;
  /** Bedrock guardrail (`guardrailConfig` in the body), forwarded as is. */
  readonly guardrailConfig?: Record<string, unknown>;
  /** Fields Rankway does not model (`extra_body`, `top_k`, ...): model-native extras. */
  readonly extra: Readonly<Record<string, unknown>>;
  readonly fallbacks?: readonly string[];
}

export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface ChatUsage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly totalTokens: number;
  readonly cachedTokens?: number;
}

/** A complete (non-streamed) answer from one upstream call. */
export interface ChatResult {
  readonly content: string | null;
  readonly toolCalls?: readonly ChatToolCall[];
  /** Model reasoning text when the upstream exposes it (vendor field `reasoning_content`). */
  readonly reasoning?: string;
  readonly finishReason: FinishReason | null;
  readonly usage: ChatUsage;
}

/** A tool call fragment in a stream: `id`/`name` on the first piece, then argument text. */
export interface ChatToolCallDelta {
  readonly index: number;
  readonly id?: string;
  readonly type?: 'function';
  readonly function: { readonly name?: string; readonly arguments: string };
}

/**
 * One streamed piece, in stream order. Translators emit these from upstream frames;
 * the surface renders each as one SSE event.
 */
export type ChatChunk =
  | { readonly kind: 'role' }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'reasoning'; readonly text: string }
  | { readonly kind: 'tool'; readonly call: ChatToolCallDelta }
  | { readonly kind: 'finish'; readonly reason: FinishReason | null }
  | { readonly kind: 'usage'; readonly usage: ChatUsage };
