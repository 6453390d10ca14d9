import type { BatchRecordResult, BatchRequest } from '../../canonical/batch.js';
import type { ChatMessage, ChatRequest, FinishReason } from '../../canonical/chat.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import { baseModelId, embeddingsFamily } from './families.js';

/**
 * Batch records: an OpenAI batch line becomes `{recordId, modelInput}` with the model's own
 * InvokeModel body, and each output record's `modelOutput` (or `error`) is read back
 * (docs/bedrock-protocols.md §4.3). Families are keyed by model-id prefix.
 */

/** Bedrock record ids are 11 alphanumerics; the line's position makes them unique and reversible. */
export const recordIdOf = (index: number): string => `RW${String(index).padStart(9, '0')}`;
export function indexOfRecordId(recordId: unknown): number | undefined {
  if (typeof recordId !== 'string' || !/^RW\d{9}$/.test(recordId)) return undefined;
  return Number(recordId.slice(2));
}

/** The default `max_tokens` for families that require one, when the line sets none. */
export const DEFAULT_BATCH_MAX_TOKENS = 4096;

interface BatchFamily {
  readonly prefix: string;
  readonly kind: BatchRequest['kind'];
  input(request: BatchRequest): Record<string, unknown>;
  output(doc: Record<string, any>, request: BatchRequest): BatchRecordResult;
}

function textOnly(message: ChatMessage, index: number): string {
  const content = message.content;
  if (message.role === 'tool' || (message.role === 'assistant' && message.tool_calls?.length))
    throw invalidRequest(`messages[${index}]: tool calls are not supported in Bedrock batches through Rankway`, 'messages');
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content
    .map((part) => {
      if (part.type !== 'text') throw invalidRequest(`messages[${index}]: only text content is supported in Bedrock batches`, 'messages');
      return part.text;
    })
    .join('');
}

/** System text apart, the rest as alternating user/assistant text turns. */
function split(request: ChatRequest): { system: string[]; turns: { role: 'user' | 'assistant'; text: string }[] } {
  const system: string[] = [];
  const turns: { role: 'user' | 'assistant'; text: string }[] = [];
  request.messages.forEach((m, i) => {
    const text = textOnly(m, i);
    if (m.role === 'system' || m.role === 'developer') system.push(text);
    else turns.push({ role: m.role === 'assistant' ? 'assistant' : 'user', text });
  });
  if (request.tools?.length) throw invalidRequest('tools are not supported in Bedrock batches through Rankway', 'tools');
  return { system, turns };
}

const chatOf = (r: BatchRequest): ChatRequest => {
  if (r.kind !== 'chat') throw invalidRequest('this model takes /v1/chat/completions lines', 'url');
  return r.request;
};

const FINISH: Readonly<Record<string, FinishReason>> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  content_filtered: 'content_filter',
  guardrail_intervened: 'content_filter',
};

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

const anthropic: BatchFamily = {
  prefix: 'anthropic.',
  kind: 'chat',
  input(r) {
    const req = chatOf(r);
    const { system, turns } = split(req);
    const body: Record<string, unknown> = {
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: req.maxTokens ?? DEFAULT_BATCH_MAX_TOKENS,
      messages: turns.map((t) => ({ role: t.role, content: [{ type: 'text', text: t.text }] })),
    };
    if (system.length) body.system = system.join('\n');
    if (req.temperature !== undefined) body.temperature = req.temperature;
    if (req.topP !== undefined) body.top_p = req.topP;
    if (req.stop?.length) body.stop_sequences = req.stop;
    return body;
  },
  output(doc) {
    const parts = Array.isArray(doc.content) ? doc.content : [];
    const content = parts
      .filter((p: any) => p?.type === 'text')
      .map((p: any) => String(p.text))
      .join('');
    const input = num(doc.usage?.input_tokens);
    const output = num(doc.usage?.output_tokens);
    return {
      kind: 'chat',
      result: {
        content,
        finishReason: FINISH[doc.stop_reason] ?? null,
        usage: { promptTokens: input, completionTokens: output, totalTokens: input + output },
      },
    };
  },
};

const nova: BatchFamily = {
  prefix: 'amazon.nova',
  kind: 'chat',
  input(r) {
    const req = chatOf(r);
    const { system, turns } = split(req);
    const inferenceConfig: Record<string, unknown> = {};
    if (req.maxTokens !== undefined) inferenceConfig.maxTokens = req.maxTokens;
    if (req.temperature !== undefined) inferenceConfig.temperature = req.temperature;
    if (req.topP !== undefined) inferenceConfig.topP = req.topP;
    if (req.stop?.length) inferenceConfig.stopSequences = req.stop;
    const body: Record<string, unknown> = {
      schemaVersion: 'messages-v1',
      messages: turns.map((t) => ({ role: t.role, content: [{ text: t.text }] })),
    };
    if (system.length) body.system = system.map((text) => ({ text }));
    if (Object.keys(inferenceConfig).length) body.inferenceConfig = inferenceConfig;
    return body;
  },
  output(doc) {
    const parts = Array.isArray(doc.output?.message?.content) ? doc.output.message.content : [];
    const content = parts
      .filter((p: any) => typeof p?.text === 'string')
      .map((p: any) => p.text)
      .join('');
    const input = num(doc.usage?.inputTokens);
    const output = num(doc.usage?.outputTokens);
    return {
      kind: 'chat',
      result: {
        content,
        finishReason: FINISH[doc.stopReason] ?? null,
        usage: { promptTokens: input, completionTokens: output, totalTokens: input + output },
      },
    };
  },
};

function embeddingsInput(r: BatchRequest, modelId: string): Record<string, unknown> {
  if (r.kind !== 'embeddings') throw invalidRequest('this model takes /v1/embeddings lines', 'url');
  const req = r.request;
  if (req.images?.some((image) => image !== null))
    throw invalidRequest('image inputs are not supported in batches through Rankway', 'input');
  const family = embeddingsFamily(modelId);
  if (family?.shape === 'cohere') return { texts: req.inputs, input_type: req.inputType ?? 'search_document' };
  if (req.inputs.length !== 1) throw invalidRequest('Titan embeddings take one input per batch line', 'input');
  const body: Record<string, unknown> = { inputText: req.inputs[0] };
  if (req.dimensions !== undefined) body.dimensions = req.dimensions;
  return body;
}

function embeddingsOutput(doc: Record<string, any>): BatchRecordResult {
  if (Array.isArray(doc.embedding)) return { kind: 'embeddings', vectors: [doc.embedding], inputTokens: num(doc.inputTextTokenCount) };
  const list = Array.isArray(doc.embeddings) ? doc.embeddings : doc.embeddings?.float;
  if (Array.isArray(list)) return { kind: 'embeddings', vectors: list, inputTokens: 0 };
  return { kind: 'error', status: 502, message: 'the model output holds no embedding' };
}

const titanEmbed = (prefix: string): BatchFamily => ({
  prefix,
  kind: 'embeddings',
  input: (r) => embeddingsInput(r, prefix),
  output: embeddingsOutput,
});

const FAMILIES: readonly BatchFamily[] = [
  anthropic,
  nova,
  titanEmbed('amazon.titan-embed-text'),
  titanEmbed('amazon.titan-embed-g1-text'),
  titanEmbed('cohere.embed-'),
];

/** The batch family of a model, or a 400 naming the ones Rankway can batch. */
export function batchFamily(modelId: string): BatchFamily {
  const base = baseModelId(modelId);
  const family = FAMILIES.find((f) => base.startsWith(f.prefix));
  if (!family)
    throw invalidRequest(
      `Bedrock model '${modelId}' cannot be batched through Rankway (Anthropic Claude, Amazon Nova, Titan and Cohere embeddings can)`,
      'model',
    );
  return family;
}

/** One JSONL record of the job input. */
export function batchRecordLine(index: number, request: BatchRequest, modelId: string): string {
  return JSON.stringify({ recordId: recordIdOf(index), modelInput: batchFamily(modelId).input(request) });
}

/** One output record: its line index (when Rankway wrote it) and what it holds. */
export function readOutputRecord(
  doc: Record<string, any>,
  modelId: string,
  requestOf: (index: number) => BatchRequest | undefined,
): { index?: number; result: BatchRecordResult } {
  const index = indexOfRecordId(doc?.recordId);
  if (doc?.error !== undefined || doc?.modelOutput === undefined) {
    const e = doc?.error ?? {};
    const status = typeof e.errorCode === 'number' ? e.errorCode : 500;
    return { index, result: { kind: 'error', status, message: String(e.errorMessage ?? 'the record produced no output') } };
  }
  const request = index === undefined ? undefined : requestOf(index);
  if (!request) return { index, result: { kind: 'error', status: 500, message: 'output record Rankway did not send' } };
  return { index, result: batchFamily(modelId).output(doc.modelOutput as Record<string, any>, request) };
}
