/**
 * Token estimates for providers that report none and for `max_tokens_per_doc` where a
 * provider cannot truncate itself. Roughly four characters per token for English text,
 * the ratio commonly used for BPE tokenizers; exact counts need the model's tokenizer.
 */
const CHARS_PER_TOKEN = 4;

export const estimateTokens = (text: string): number => Math.ceil(text.length / CHARS_PER_TOKEN);

/** Cuts `text` to about `maxTokens` tokens, on a word boundary where one is near. */
export function truncateToTokens(text: string, maxTokens: number): string {
  const limit = maxTokens * CHARS_PER_TOKEN;
  if (text.length <= limit) return text;
  const cut = text.lastIndexOf(' ', limit);
  return text.slice(0, cut > limit * 0.8 ? cut : limit);
}
