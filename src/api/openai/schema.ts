import { z } from 'zod';
import { callerFallbacks } from '../rerank/schema.js';

/** Request schemas for the OpenAI surface. Loose objects: fields Rankway does not model pass through. */

const textPart = z.looseObject({ type: z.literal('text'), text: z.string() });
const imagePart = z.looseObject({
  type: z.literal('image_url'),
  image_url: z.looseObject({ url: z.string().min(1), detail: z.string().optional() }),
});
const userPart = z.discriminatedUnion('type', [textPart, imagePart]);
const textContent = z.union([z.string(), z.array(textPart)]);

const toolCall = z.looseObject({
  id: z.string().min(1),
  type: z.literal('function').default('function'),
  function: z.looseObject({ name: z.string().min(1), arguments: z.string() }),
});

const message = z.discriminatedUnion('role', [
  z.looseObject({ role: z.enum(['system', 'developer']), content: textContent }),
  z.looseObject({ role: z.literal('user'), content: z.union([z.string(), z.array(userPart).min(1)]) }),
  z.looseObject({ role: z.literal('assistant'), content: textContent.nullish(), tool_calls: z.array(toolCall).optional() }),
  z.looseObject({ role: z.literal('tool'), tool_call_id: z.string().min(1), content: textContent }),
]);

const tool = z.looseObject({
  type: z.literal('function'),
  function: z.looseObject({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"'),
    description: z.string().optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: z.boolean().nullish(),
  }),
});

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.looseObject({ type: z.literal('function'), function: z.looseObject({ name: z.string().min(1) }) }),
]);

const nonNegInt = z.number().int().positive();

export const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: nonNegInt.nullish(),
  max_completion_tokens: nonNegInt.nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  n: z.number().int().min(1).max(1, 'n > 1 is not supported; send separate requests').nullish(),
  tools: z.array(tool).nullish(),
  tool_choice: toolChoice.nullish(),
  user: z.string().nullish(),
  guardrailConfig: z.record(z.string(), z.unknown()).optional(),
  extra_body: z.record(z.string(), z.unknown()).optional(),
  fallbacks: callerFallbacks,
});
export type ChatRequestBody = z.infer<typeof chatRequestSchema>;

export const completionRequestSchema = z.looseObject({
  model: z.string().min(1),
  prompt: z.union([z.string(), z.array(z.string()).length(1, 'prompt arrays must hold exactly one prompt')]),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().optional() }).nullish(),
  max_tokens: nonNegInt.nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
  n: z.number().int().min(1).max(1, 'n > 1 is not supported; send separate requests').nullish(),
  echo: z.literal(false, 'echo is not supported').nullish(),
  suffix: z.null('suffix is not supported').optional(),
  best_of: z.number().int().min(1).max(1, 'best_of > 1 is not supported').nullish(),
  user: z.string().nullish(),
  fallbacks: callerFallbacks,
});
export type CompletionRequestBody = z.infer<typeof completionRequestSchema>;

export const embeddingsRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([
    z.string().min(1, 'input must not be empty'),
    z
      .array(
        z.union([
          z.string().min(1, 'inputs must not be empty'),
          // Multimodal models: text, an image (data URL or base64), or both in one input.
          z
            .strictObject({ text: z.string().min(1).optional(), image: z.string().min(1).optional() })
            .refine((o) => o.text !== undefined || o.image !== undefined, 'an input object needs text, image or both'),
        ]),
      )
      .min(1)
      .max(2048),
  ]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().optional(),
  /** Cohere Embed's input type; `search_document` when omitted. */
  input_type: z.enum(['search_document', 'search_query', 'classification', 'clustering']).optional(),
  fallbacks: callerFallbacks,
});
