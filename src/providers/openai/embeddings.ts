import type { EmbeddingsCall, EmbeddingsCallResult } from '../../canonical/embeddings.js';
import { badResponse } from '../shared/errors.js';
import { parseJsonBody } from '../shared/json.js';
import type { EmbeddingsCapability, Target, UpstreamReply } from '../types.js';
import type { PathFor } from './chat.js';

/** OpenAI's documented cap on inputs per embeddings request. */
const MAX_INPUTS = 2048;

export function openAiEmbeddings(pathFor: PathFor): EmbeddingsCapability {
  return {
    maxInputsPerCall: () => MAX_INPUTS,
    build(call: EmbeddingsCall, target: Target) {
      // Floats upstream; Rankway encodes base64 itself so every provider honours it alike.
      const body: Record<string, unknown> = { model: target.model, input: call.inputs, encoding_format: 'float' };
      if (call.dimensions !== undefined) body.dimensions = call.dimensions;
      return { method: 'POST', path: pathFor('embeddings', target.model), body };
    },
    parse(reply: UpstreamReply, call: EmbeddingsCall): EmbeddingsCallResult {
      const body = parseJsonBody(reply.body, 'openai') as Record<string, any>;
      const data = body?.data;
      if (!Array.isArray(data) || data.length !== call.inputs.length)
        throw badResponse('openai: embeddings data does not match the inputs');
      const vectors: number[][] = new Array(data.length);
      for (const item of data) {
        const i = item?.index;
        if (typeof i !== 'number' || i < 0 || i >= data.length || !Array.isArray(item.embedding))
          throw badResponse('openai: bad embeddings item');
        vectors[i] = item.embedding as number[];
      }
      const usage = body.usage as Record<string, unknown> | undefined;
      return { vectors, inputTokens: typeof usage?.prompt_tokens === 'number' ? usage.prompt_tokens : 0 };
    },
  };
}
