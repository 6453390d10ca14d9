import type { ServerResponse } from 'node:http';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { sendJson } from '../fake-server.js';
import { awsError, type BedrockRequest, type BedrockRoute } from './bedrock.js';
import { fakeEmbedding, pieces, scriptedAnswer, type ScriptedAnswer } from './chat-script.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const TOOL_USE_ID = /^[a-zA-Z0-9_.:-]{1,64}$/;
const ONE_OF = ['text', 'image', 'document', 'toolUse', 'toolResult', 'guardContent', 'cachePoint', 'reasoningContent', 'video', 'audio'];

/** Knobs a test turns to make the fake misbehave the way Bedrock can. */
export interface BedrockChatBehaviour {
  /** Answer the next N Converse/ConverseStream calls with this AWS error before streaming. */
  failBefore?: { status: number; type: string; times: number };
  /** In the next ConverseStream, after this many frames, send an exception frame and end. */
  failAfterFrames?: { frames: number; exception: string };
  /** In the next ConverseStream, send a few frames and then hold the connection open. */
  stallAfterFrames?: number;
  /** Set once the client side of a stalled stream closed the connection. */
  stalledClosed?: boolean;
}

const invalid = (res: ServerResponse, message: string) => awsError(res, 400, 'ValidationException', message);
const padding = () => 'abcdefghijklmnopqrstuvwxyz'.slice(0, 1 + Math.floor(Math.random() * 20));

/** Encodes one event-stream message exactly as Bedrock frames it. */
export function eventFrame(eventType: string, payload: Record<string, unknown>): Uint8Array {
  return codec.encode({
    headers: {
      ':event-type': { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'event' },
    },
    body: fromUtf8(JSON.stringify({ ...payload, p: padding() })),
  });
}

export function exceptionFrame(exceptionType: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':exception-type': { type: 'string', value: exceptionType },
      ':content-type': { type: 'string', value: 'application/json' },
      ':message-type': { type: 'string', value: 'exception' },
    },
    body: fromUtf8(JSON.stringify({ message })),
  });
}

/**
 * Validates a Converse body the way the service does (docs/protocols.md §4.2, §4.5 constraints) and
 * returns the scripted answer, or sends a ValidationException and returns undefined.
 */
function converseAnswer(b: any, res: ServerResponse): ScriptedAnswer | undefined {
  if (!b || !Array.isArray(b.messages) || b.messages.length === 0)
    return void invalid(res, 'A conversation must start with a user message.');
  if (b.messages[0].role !== 'user')
    return void invalid(
      res,
      'A conversation must start with a user message. Try again with a conversation that starts with a user message.',
    );
  const pendingToolUses = new Set<string>();
  let lastUser = '';
  let toolResult: string | undefined;
  const all: string[] = [];
  for (let i = 0; i < b.messages.length; i++) {
    const m = b.messages[i];
    if (m.role !== 'user' && m.role !== 'assistant') return void invalid(res, `messages.${i}.role: must be user or assistant`);
    if (i > 0 && b.messages[i - 1].role === m.role)
      return void invalid(res, 'A conversation must alternate between user and assistant roles.');
    if (!Array.isArray(m.content) || m.content.length === 0) return void invalid(res, `messages.${i}.content: must not be empty`);
    toolResult = undefined;
    for (const block of m.content) {
      const keys = Object.keys(block).filter((k) => ONE_OF.includes(k));
      if (keys.length !== 1) return void invalid(res, `messages.${i}.content: each block must have exactly one member`);
      if (block.text !== undefined) {
        if (typeof block.text !== 'string' || block.text.trim() === '') return void invalid(res, 'text content blocks must be non-empty');
        all.push(block.text);
        if (m.role === 'user') lastUser = block.text;
      }
      if (block.image && (m.role !== 'user' || typeof block.image.source?.bytes !== 'string'))
        return void invalid(res, 'images go in user messages as bytes');
      if (block.toolUse) {
        if (m.role !== 'assistant' || !TOOL_USE_ID.test(block.toolUse.toolUseId) || typeof block.toolUse.input !== 'object')
          return void invalid(res, 'bad toolUse');
        pendingToolUses.add(block.toolUse.toolUseId);
      }
      if (block.toolResult) {
        if (m.role !== 'user' || !pendingToolUses.delete(block.toolResult.toolUseId)) {
          return void invalid(res, 'The toolResult blocks must match the toolUse blocks of the previous assistant turn');
        }
        toolResult = block.toolResult.content?.map((c: any) => c.text ?? JSON.stringify(c.json)).join('');
      }
    }
    if (m.role === 'user' && pendingToolUses.size > 0)
      return void invalid(res, 'Expected toolResult blocks for every toolUse of the previous turn');
  }
  if (b.system !== undefined && (!Array.isArray(b.system) || b.system.some((s: any) => typeof s.text !== 'string' || s.text === '')))
    return void invalid(res, 'bad system');
  const t = b.inferenceConfig?.temperature;
  if (t !== undefined && (t < 0 || t > 1)) return void invalid(res, 'inferenceConfig.temperature: must be between 0 and 1');
  const tools = b.toolConfig?.tools;
  if (b.toolConfig !== undefined && (!Array.isArray(tools) || tools.length === 0))
    return void invalid(res, 'toolConfig.tools must not be empty');
  if ((all.length > 0 || toolResult) && b.messages.some((m: any) => m.content.some((c: any) => c.toolUse)) && !b.toolConfig) {
    return void invalid(res, 'The toolConfig field must be defined when using toolUse and toolResult content blocks.');
  }
  const toolNames = toolResult === undefined ? (tools ?? []).map((x: any) => x.toolSpec.name) : [];
  return scriptedAnswer({ lastUser, toolNames, toolResult, allText: [...(b.system ?? []).map((s: any) => s.text), ...all].join(' ') });
}

function usageOf(a: ScriptedAnswer) {
  return { inputTokens: a.promptTokens, outputTokens: a.completionTokens, totalTokens: a.promptTokens + a.completionTokens };
}

function converseFrames(a: ScriptedAnswer): Uint8Array[] {
  const frames = [eventFrame('messageStart', { role: 'assistant' })];
  if (a.text !== undefined) {
    for (const p of pieces(a.text)) frames.push(eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: p } }));
    frames.push(eventFrame('contentBlockStop', { contentBlockIndex: 0 }));
  }
  if (a.toolCall) {
    const index = a.text === undefined ? 0 : 1;
    frames.push(
      eventFrame('contentBlockStart', {
        contentBlockIndex: index,
        start: { toolUse: { toolUseId: a.toolCall.id, name: a.toolCall.name } },
      }),
    );
    for (const p of pieces(JSON.stringify(a.toolCall.input), 4))
      frames.push(eventFrame('contentBlockDelta', { contentBlockIndex: index, delta: { toolUse: { input: p } } }));
    frames.push(eventFrame('contentBlockStop', { contentBlockIndex: index }));
  }
  frames.push(eventFrame('messageStop', { stopReason: a.toolCall ? 'tool_use' : 'end_turn' }));
  frames.push(eventFrame('metadata', { usage: usageOf(a), metrics: { latencyMs: 42 } }));
  return frames;
}

const modelOf = (match: RegExpExecArray): string => decodeURIComponent(match[1]);

/** Converse, ConverseStream and InvokeModel (Titan and Cohere embeddings) routes for the fake Bedrock. */
export function bedrockChatRoutes(behaviour: BedrockChatBehaviour = {}): BedrockRoute[] {
  const failBefore = (res: ServerResponse): boolean => {
    const f = behaviour.failBefore;
    if (!f || f.times <= 0) return false;
    f.times--;
    awsError(res, f.status, f.type, `Rate exceeded for account 123456789012 in arn:aws:bedrock:us-west-2:123456789012:model`);
    return true;
  };
  return [
    {
      method: 'POST',
      pattern: /^\/model\/([^/]+)\/converse$/,
      bearer: true,
      handle(req: BedrockRequest, res: ServerResponse, match) {
        if (failBefore(res)) return;
        const a = converseAnswer(req.json, res);
        if (!a) return;
        const content: unknown[] = [];
        if (a.text !== undefined) content.push({ text: a.text });
        if (a.toolCall) content.push({ toolUse: { toolUseId: a.toolCall.id, name: a.toolCall.name, input: a.toolCall.input } });
        sendJson(
          res,
          200,
          {
            output: { message: { role: 'assistant', content } },
            stopReason: a.toolCall ? 'tool_use' : 'end_turn',
            usage: usageOf(a),
            metrics: { latencyMs: 42 },
          },
          { 'x-amzn-requestid': `req-${modelOf(match).length}` },
        );
      },
    },
    {
      method: 'POST',
      pattern: /^\/model\/([^/]+)\/converse-stream$/,
      bearer: true,
      async handle(req: BedrockRequest, res: ServerResponse) {
        if (failBefore(res)) return;
        const a = converseAnswer(req.json, res);
        if (!a) return;
        res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'req-stream' });
        const frames = converseFrames(a);
        const failAt = behaviour.failAfterFrames;
        behaviour.failAfterFrames = undefined;
        const stallAt = behaviour.stallAfterFrames;
        behaviour.stallAfterFrames = undefined;
        for (let i = 0; i < frames.length; i++) {
          if (failAt && i === failAt.frames) {
            res.end(exceptionFrame(failAt.exception, 'The model stream failed for arn:aws:bedrock:us-west-2:123456789012:foo'));
            return;
          }
          if (stallAt !== undefined && i === stallAt) {
            // Hold the connection open; note when the other side gives up on it.
            behaviour.stalledClosed = false;
            res.once('close', () => (behaviour.stalledClosed = true));
            return;
          }
          // Pace the frames when a failure is planned, so the first ones reach the client before it.
          if (failAt || stallAt !== undefined) await new Promise((r) => setTimeout(r, 15));
          // Split some frames across writes, as TCP may.
          const f = frames[i];
          if (i % 3 === 1) {
            res.write(f.subarray(0, 5));
            await new Promise((r) => setImmediate(r));
            res.write(f.subarray(5));
          } else res.write(f);
        }
        res.end();
      },
    },
    {
      method: 'POST',
      pattern: /^\/model\/(amazon\.titan-embed-text-v2%3A0|cohere\.embed-(?:english|multilingual)-v3)\/invoke$/,
      bearer: true,
      handle(req: BedrockRequest, res: ServerResponse, match) {
        const model = modelOf(match);
        const b = req.json;
        if (model.startsWith('amazon.titan')) {
          if (typeof b?.inputText !== 'string' || b.inputText === '') return invalid(res, 'inputText is required');
          if (Object.keys(b).some((k) => !['inputText', 'dimensions', 'normalize', 'embeddingTypes'].includes(k)))
            return invalid(res, 'extraneous key');
          const dims = b.dimensions ?? 1024;
          if (![256, 512, 1024].includes(dims)) return invalid(res, 'dimensions must be 256, 512 or 1024');
          const embedding = fakeEmbedding(b.inputText, dims);
          return sendJson(res, 200, {
            embedding,
            inputTextTokenCount: b.inputText.split(/\s+/).length,
            embeddingsByType: { float: embedding },
          });
        }
        if (!Array.isArray(b?.texts) || b.texts.length > 96) return invalid(res, 'texts must hold 0..96 items');
        if (!['search_document', 'search_query', 'classification', 'clustering'].includes(b.input_type))
          return invalid(res, 'input_type is required');
        const tokens = b.texts.reduce((n: number, t: string) => n + t.split(/\s+/).length, 0);
        sendJson(
          res,
          200,
          {
            id: 'emb-1',
            response_type: 'embeddings_floats',
            embeddings: b.texts.map((t: string) => fakeEmbedding(`${b.input_type}:${t}`, 16)),
            texts: b.texts,
          },
          { 'x-amzn-bedrock-input-token-count': String(tokens) },
        );
      },
    },
  ];
}
