/** Usage as every surface reports it, normalised from each provider's own units. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /** Cohere-style billing unit: one query over up to 100 documents. */
  searchUnits: number;
  /** Per-call billing unit of providers that bill per query (Vertex, Bedrock). */
  queries: number;
  /** Images generated (image models bill per image). */
  images?: number;
  /** Seconds of video generated (video models bill per second). */
  videoSeconds?: number;
}

export const emptyUsage = (): Usage => ({ inputTokens: 0, outputTokens: 0, searchUnits: 0, queries: 0 });

export function addUsage(into: Usage, add: Partial<Usage>): Usage {
  into.inputTokens += add.inputTokens ?? 0;
  into.outputTokens += add.outputTokens ?? 0;
  into.searchUnits += add.searchUnits ?? 0;
  into.queries += add.queries ?? 0;
  return into;
}
