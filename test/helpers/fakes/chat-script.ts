/**
 * The deterministic "model" behind the fake chat upstreams: given OpenAI-shaped turns it
 * answers with text, or calls the first tool it was offered, so tests can predict answers.
 */
export interface ScriptedAnswer {
  readonly text?: string;
  readonly toolCall?: { readonly id: string; readonly name: string; readonly input: Record<string, unknown> };
  readonly promptTokens: number;
  readonly completionTokens: number;
}

const words = (s: string): number => s.split(/\s+/).filter(Boolean).length;

/** `lastUser` is the last user text; `toolResult` is set when the last turn returned a tool result. */
export function scriptedAnswer(input: {
  lastUser: string;
  toolNames: readonly string[];
  toolResult?: string;
  allText: string;
}): ScriptedAnswer {
  const promptTokens = Math.max(1, words(input.allText));
  if (input.toolResult !== undefined) {
    const text = `The tool said: ${input.toolResult}`;
    return { text, promptTokens, completionTokens: words(text) };
  }
  if (input.toolNames.length > 0) {
    const city = /in ([A-Z][a-z]+)/.exec(input.lastUser)?.[1] ?? 'Paris';
    return { toolCall: { id: 'tooluse_fake01', name: input.toolNames[0], input: { city } }, promptTokens, completionTokens: 9 };
  }
  const text = `You said: ${input.lastUser}`;
  return { text, promptTokens, completionTokens: words(text) };
}

/** Splits text into small pieces, as a model streams it. */
export function pieces(text: string, size = 7): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** A deterministic unit-ish vector for a text. */
export function fakeEmbedding(text: string, dims = 8): number[] {
  const v = new Array<number>(dims).fill(0);
  for (let i = 0; i < text.length; i++) v[i % dims] += (text.charCodeAt(i) % 31) / 31;
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => Math.fround(x / norm));
}
