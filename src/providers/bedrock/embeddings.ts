import type { EmbeddingsCall, EmbeddingsCallResult } from '../../canonical/embeddings.js';
import { invalidRequest } from '../../errors/gateway-error.js';
import { badResponse } from '../shared/errors.js';
import { parseJsonBody } from '../shared/json.js';
import type { EmbeddingsCapability, HttpCall, Target, UpstreamReply } from '../types.js';
import { embeddingsFamily, type EmbeddingsFamily } from './families.js';
import { runtimePath } from './runtime-path.js';

const TITAN_V2_DIMENSIONS = new Set([256, 512, 1024]);

function familyOf(target: Target): EmbeddingsFamily {
  const family = embeddingsFamily(target.model);
  if (!family) {
    throw invalidRequest(
      `Bedrock model '${target.model}' is not an embeddings model Rankway knows (Titan Text Embeddings, Cohere Embed)`,
      'model',
    );
  }
  return family;
}

/** InvokeModel bodies per family (docs/protocols.md §5). */
const TITAN_MM_LENGTHS = new Set([256, 384, 1024]);
const COHERE_V4_DIMENSIONS = new Set([256, 512, 1024, 1536]);
const dataUrl = (image: { base64: string; mediaType: string }): string => `data:${image.mediaType};base64,${image.base64}`;

function invokeBody(family: EmbeddingsFamily, call: EmbeddingsCall): Record<string, unknown> {
  if (!family.images && call.images?.some((image) => image !== null))
    throw invalidRequest(
      'this embeddings model takes text only; image inputs need a multimodal model (Titan Multimodal Embeddings, Cohere Embed v4)',
      'input',
    );
  switch (family.shape) {
    case 'titan-multimodal': {
      const body: Record<string, unknown> = {};
      if (call.inputs[0] !== '') body.inputText = call.inputs[0];
      const image = call.images?.[0];
      if (image) body.inputImage = image.base64;
      if (call.dimensions !== undefined) {
        if (!TITAN_MM_LENGTHS.has(call.dimensions))
          throw invalidRequest('dimensions must be 256, 384 or 1024 for Titan Multimodal Embeddings', 'dimensions');
        body.embeddingConfig = { outputEmbeddingLength: call.dimensions };
      }
      return body;
    }
    case 'cohere-v4': {
      const body: Record<string, unknown> = { input_type: call.inputType ?? 'search_document', embedding_types: ['float'] };
      if (call.images?.some((image) => image !== null)) {
        // Mixed inputs go as `inputs[].content[]`, so each input's text travels with its image.
        body.inputs = call.inputs.map((text, i) => {
          const content: Record<string, unknown>[] = [];
          if (text !== '') content.push({ type: 'text', text });
          const image = call.images?.[i];
          if (image) content.push({ type: 'image_url', image_url: dataUrl(image) });
          return { content };
        });
      } else {
        body.texts = call.inputs;
      }
      if (call.dimensions !== undefined) {
        if (!COHERE_V4_DIMENSIONS.has(call.dimensions))
          throw invalidRequest('dimensions must be 256, 512, 1024 or 1536 for Cohere Embed v4', 'dimensions');
        body.output_dimension = call.dimensions;
      }
      return body;
    }
    case 'titan-v2': {
      const body: Record<string, unknown> = { inputText: call.inputs[0] };
      if (call.dimensions !== undefined) {
        if (!TITAN_V2_DIMENSIONS.has(call.dimensions))
          throw invalidRequest('dimensions must be 256, 512 or 1024 for Titan Text Embeddings v2', 'dimensions');
        body.dimensions = call.dimensions;
      }
      return body;
    }
    case 'titan-v1':
      if (call.dimensions !== undefined) throw invalidRequest('dimensions is not supported by Titan Text Embeddings v1', 'dimensions');
      return { inputText: call.inputs[0] };
    case 'cohere':
      if (call.dimensions !== undefined) throw invalidRequest('dimensions is not supported by Cohere Embed v3 on Bedrock', 'dimensions');
      return { texts: call.inputs, input_type: call.inputType ?? 'search_document' };
  }
}

/** Titan: one input per InvokeModel call; Cohere Embed: up to 96 per call. */
export const bedrockEmbeddings: EmbeddingsCapability = {
  maxInputsPerCall: (target) => familyOf(target).maxInputsPerCall,
  acceptsImages: (target) => familyOf(target).images,
  build(call: EmbeddingsCall, target: Target): HttpCall {
    const family = familyOf(target);
    return { method: 'POST', endpoint: 'runtime', path: runtimePath(target.model, 'invoke'), body: invokeBody(family, call) };
  },
  parse(reply: UpstreamReply, call: EmbeddingsCall): EmbeddingsCallResult {
    const body = parseJsonBody(reply.body, 'bedrock') as Record<string, any>;
    if (Array.isArray(body?.embedding)) {
      return { vectors: [checkVector(body.embedding)], inputTokens: num(body.inputTextTokenCount) };
    }
    const list = Array.isArray(body?.embeddings) ? body.embeddings : body?.embeddings?.float;
    if (!Array.isArray(list) || list.length !== call.inputs.length)
      throw badResponse('bedrock: embeddings response does not match the inputs');
    // Cohere on Bedrock reports no token counts in the body; the usage headers carry them.
    const header = reply.headers['x-amzn-bedrock-input-token-count'];
    return { vectors: list.map(checkVector), inputTokens: num(Number(Array.isArray(header) ? header[0] : header)) };
  },
};

function checkVector(v: unknown): number[] {
  if (!Array.isArray(v) || v.length === 0 || typeof v[0] !== 'number') throw badResponse('bedrock: an embedding is not a list of numbers');
  return v as number[];
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
