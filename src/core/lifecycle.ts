/**
 * End-of-life dates of Bedrock model versions (on-demand), so a config naming one is warned
 * about at start rather than discovered when AWS answers "The provided model identifier is
 * invalid". Sources and their confidence are in docs/bedrock-protocols.md §5; AWS's model
 * lifecycle page is the authority and this table is a snapshot of it.
 */
const EOL_DATES: ReadonlyMap<string, string> = new Map([
  ['anthropic.claude-v2', '2025-07-21'],
  ['anthropic.claude-v2:1', '2025-07-21'],
  ['anthropic.claude-instant-v1', '2025-07-21'],
  ['anthropic.claude-3-sonnet-20240229-v1:0', '2025-07-21'],
  ['anthropic.claude-3-7-sonnet-20250219-v1:0', '2026-04-28'],
]);

// Cross-region inference profile ids put a geography first: `us.anthropic...`.
const GEO_PREFIX = /^(?:us|eu|apac|global|us-gov|jp|au|ca)\./;

/** The EOL date (YYYY-MM-DD) of a model id, `provider/model` target or inference profile, if known. */
export function eolDate(model: string): string | undefined {
  const bare = model.slice(model.lastIndexOf('/') + 1).replace(GEO_PREFIX, '');
  return EOL_DATES.get(bare);
}

/** Aliases whose target is past its end-of-life date at `now` (epoch ms), with the date. */
export function pastEndOfLife(
  models: Iterable<{ readonly name: string; readonly target: string }>,
  now: number,
): { model: string; target: string; eol: string }[] {
  const out: { model: string; target: string; eol: string }[] = [];
  for (const m of models) {
    const eol = eolDate(m.target);
    if (eol && Date.parse(`${eol}T00:00:00Z`) <= now) out.push({ model: m.name, target: m.target, eol });
  }
  return out;
}
