import { createHash } from 'node:crypto';
import type { ChatContentPart, ChatRequest, ChatTextPart, ChatToolChoice } from '../../../canonical/chat.js';
import { invalidRequest } from '../../../errors/gateway-error.js';
import { chatFamily, type ChatFamily } from '../families.js';
import type { BedrockGuardrail } from '../model-options.js';

type Block = Record<string, unknown>;
interface ConverseMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

/**
 * OpenAI request fields Converse has no place for. They are dropped rather than sent as
 * `additionalModelRequestFields`, where the model would reject them.
 */
const OPENAI_ONLY = new Set([
  'n',
  'logprobs',
  'top_logprobs',
  'logit_bias',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'parallel_tool_calls',
  'store',
  'metadata',
  'service_tier',
  'modalities',
  'prediction',
  'stream_options',
  'response_format',
]);

/** Converse's own top-level fields a Bedrock-savvy caller may send; they go through as they are. */
const CONVERSE_FIELDS = new Set([
  'performanceConfig',
  'requestMetadata',
  'promptVariables',
  'additionalModelResponseFieldPaths',
  'serviceTier',
]);

const IMAGE_FORMATS = new Set(['png', 'jpeg', 'gif', 'webp']);
const DATA_URL = /^data:image\/([a-z]+);base64,/;
const TOOL_USE_ID = /^[a-zA-Z0-9_.:-]{1,64}$/;
const TOOL_USE_ID_BAD_CHARS = /[^a-zA-Z0-9_.:-]/g;

/**
 * The Converse / ConverseStream body for an OpenAI-shaped request (docs/protocols.md §4.5).
 * Throws a 400 for requests Bedrock would reject, before any call is made.
 */
export function converseBody(request: ChatRequest, modelId: string, guardrail?: BedrockGuardrail): Record<string, unknown> {
  const family = chatFamily(modelId);
  const system: Block[] = [];
  const messages: ConverseMessage[] = [];
  let usesTools = false;

  for (let i = 0; i < request.messages.length; i++) {
    const m = request.messages[i];
    switch (m.role) {
      case 'system':
      case 'developer':
        for (const text of texts(m.content)) if (text.trim().length > 0) system.push({ text });
        break;
      case 'user':
        push(messages, 'user', userBlocks(m.content, i));
        break;
      case 'assistant': {
        const blocks: Block[] = [];
        for (const text of texts(m.content ?? '')) if (text.trim().length > 0) blocks.push({ text });
        for (const call of m.tool_calls ?? []) {
          usesTools = true;
          blocks.push({
            toolUse: { toolUseId: toolUseId(call.id), name: call.function.name, input: toolInput(call.function.arguments, i) },
          });
        }
        if (blocks.length > 0) push(messages, 'assistant', blocks);
        break;
      }
      case 'tool':
        usesTools = true;
        push(messages, 'user', [
          { toolResult: { toolUseId: toolUseId(m.tool_call_id), content: [{ text: texts(m.content).join('') || ' ' }] } },
        ]);
        break;
    }
  }

  if (messages.length === 0) {
    throw invalidRequest(
      'messages must contain at least one user message; Bedrock models need a user turn, not only system messages',
      'messages',
    );
  }
  if (system.length > 0 && !family.systemPrompt) {
    // Families without a system prompt get the instructions ahead of the first user turn.
    const first = messages.find((msg) => msg.role === 'user');
    first?.content.unshift(...system);
    system.length = 0;
  }

  const body: Record<string, unknown> = { messages };
  if (system.length > 0) body.system = system;
  const inference = inferenceConfig(request);
  if (inference) body.inferenceConfig = inference;
  const toolConfig = toolConfigFor(request, family, usesTools);
  if (toolConfig) body.toolConfig = toolConfig;
  if (request.guardrailConfig) body.guardrailConfig = request.guardrailConfig;
  for (const key of CONVERSE_FIELDS) if (request.extra[key] !== undefined) body[key] = request.extra[key];
  // The operator's guardrail wins over whatever the caller sent.
  if (guardrail) body.guardrailConfig = guardrailConfig(guardrail);
  const output = outputConfig(request.extra.response_format);
  if (output) body.outputConfig = output;
  const extra = additionalFields(request.extra);
  if (extra) body.additionalModelRequestFields = extra;
  return body;
}

/** Appends to the last message when it has the same role: Converse wants alternating turns. */
function push(messages: ConverseMessage[], role: 'user' | 'assistant', blocks: Block[]): void {
  if (blocks.length === 0) return;
  const last = messages[messages.length - 1];
  if (last && last.role === role) last.content.push(...blocks);
  else messages.push({ role, content: blocks });
}

function texts(content: string | readonly ChatTextPart[]): string[] {
  if (typeof content === 'string') return [content];
  return content.map((p) => p.text);
}

function userBlocks(content: string | readonly ChatContentPart[], index: number): Block[] {
  if (typeof content === 'string') {
    if (content.trim().length === 0) throw invalidRequest(`messages[${index}].content must not be empty`, `messages[${index}].content`);
    return [{ text: content }];
  }
  const blocks: Block[] = [];
  content.forEach((part, j) => {
    if (part.type === 'text') {
      if (part.text.trim().length > 0) blocks.push({ text: part.text });
    } else {
      blocks.push(imageBlock(part.image_url.url, `messages[${index}].content[${j}].image_url.url`));
    }
  });
  if (blocks.length === 0) throw invalidRequest(`messages[${index}].content must not be empty`, `messages[${index}].content`);
  return blocks;
}

function imageBlock(url: string, param: string): Block {
  const match = DATA_URL.exec(url);
  if (!match) {
    throw invalidRequest('Bedrock models take images as data URLs (data:image/png;base64,...); remote image URLs are not fetched', param);
  }
  const format = match[1] === 'jpg' ? 'jpeg' : match[1];
  if (!IMAGE_FORMATS.has(format)) throw invalidRequest(`image format ${match[1]} is not supported; use png, jpeg, gif or webp`, param);
  // The wire format carries blob fields as base64, so the data URL's payload goes as is.
  return { image: { format, source: { bytes: url.slice(match[0].length) } } };
}

function toolInput(args: string, index: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = args.trim() === '' ? {} : JSON.parse(args);
  } catch {
    throw invalidRequest(`messages[${index}].tool_calls: function.arguments is not valid JSON`, `messages[${index}].tool_calls`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidRequest(`messages[${index}].tool_calls: function.arguments must be a JSON object`, `messages[${index}].tool_calls`);
  }
  return value as Record<string, unknown>;
}

/** Bedrock accepts `[a-zA-Z0-9_.:-]{1,64}`; other ids map to a stable compatible one. */
export function toolUseId(id: string): string {
  if (TOOL_USE_ID.test(id)) return id;
  // Hashing keeps distinct foreign ids distinct and the mapping stable across turns.
  const readable = id.replace(TOOL_USE_ID_BAD_CHARS, '_').slice(0, 20);
  return `${readable}_${createHash('sha256').update(id).digest('hex').slice(0, 32)}`;
}

function inferenceConfig(request: ChatRequest): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let any = false;
  if (request.maxTokens !== undefined) {
    out.maxTokens = request.maxTokens;
    any = true;
  }
  if (request.temperature !== undefined) {
    if (request.temperature > 1) throw invalidRequest('temperature must be between 0 and 1 for Bedrock models', 'temperature');
    out.temperature = request.temperature;
    any = true;
  }
  if (request.topP !== undefined) {
    out.topP = request.topP;
    any = true;
  }
  if (request.stop !== undefined && request.stop.length > 0) {
    out.stopSequences = request.stop;
    any = true;
  }
  return any ? out : undefined;
}

function toolConfigFor(request: ChatRequest, family: ChatFamily, historyHasTools: boolean): Record<string, unknown> | undefined {
  const tools = request.tools;
  if (!tools || tools.length === 0) return undefined;
  const choice = request.toolChoice;
  // Converse has no "none"; drop the tools unless the history needs them declared.
  if (choice === 'none' && !historyHasTools) return undefined;
  const specs = tools.map((t) => {
    const spec: Record<string, unknown> = {
      name: t.function.name,
      inputSchema: { json: t.function.parameters ?? { type: 'object', properties: {} } },
    };
    if (t.function.description) spec.description = t.function.description;
    if (t.function.strict !== undefined) spec.strict = t.function.strict;
    return { toolSpec: spec };
  });
  const out: Record<string, unknown> = { tools: specs };
  const mapped = toolChoice(choice, family);
  if (mapped) out.toolChoice = mapped;
  return out;
}

function toolChoice(choice: ChatToolChoice | undefined, family: ChatFamily): Record<string, unknown> | undefined {
  if (choice === undefined || choice === 'none') return undefined;
  if (choice === 'auto') return { auto: {} };
  if (choice === 'required') return { any: {} };
  if (!family.namedToolChoice) {
    throw invalidRequest('this Bedrock model cannot be forced to call a named tool; use tool_choice "required" or "auto"', 'tool_choice');
  }
  return { tool: { name: choice.function.name } };
}

/** `response_format: {type: json_schema}` -> Converse structured output; `text`/`json_object` have no equivalent. */
function outputConfig(format: unknown): Record<string, unknown> | undefined {
  const f = format as { type?: unknown; json_schema?: { name?: unknown; description?: unknown; schema?: unknown } } | undefined;
  if (f?.type !== 'json_schema' || !f.json_schema || typeof f.json_schema.schema !== 'object') return undefined;
  const jsonSchema: Record<string, unknown> = { schema: JSON.stringify(f.json_schema.schema) };
  if (typeof f.json_schema.name === 'string') jsonSchema.name = f.json_schema.name;
  if (typeof f.json_schema.description === 'string') jsonSchema.description = f.json_schema.description;
  return { textFormat: { type: 'json_schema', structure: { jsonSchema } } };
}

function additionalFields(extra: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let any = false;
  for (const key in extra) {
    if (OPENAI_ONLY.has(key) || CONVERSE_FIELDS.has(key)) continue;
    const value = extra[key];
    any = true;
    // Callers who already speak Converse may name the field itself.
    if (key === 'additionalModelRequestFields' && value !== null && typeof value === 'object') Object.assign(out, value);
    else out[key] = value;
  }
  return any ? out : undefined;
}

/** An alias's `guardrail` as Converse's `guardrailConfig`. */
export function guardrailConfig(g: BedrockGuardrail): Record<string, string> {
  return { guardrailIdentifier: g.identifier, guardrailVersion: g.version, ...(g.trace ? { trace: g.trace } : {}) };
}
