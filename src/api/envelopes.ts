import { openAiEnvelope } from '../errors/render.js';
import type { ErrorEnvelope } from './surface.js';

/**
 * `{"error": {"message", "type", "param", "code"}}`: the OpenAI/Cohere-style envelope of the
 * unified API, the OpenAI surface, the admin API and any path no surface claims.
 */
export const openAiErrors: ErrorEnvelope = {
  render: (err) => openAiEnvelope(err),
};
