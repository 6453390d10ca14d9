import type { RoutingTable } from '../../core/router.js';
import type { Caller } from '../../core/context.js';
import { mayUse } from '../../core/policy.js';

export interface ListedModel {
  readonly id: string;
  readonly owned_by: string;
}

/**
 * Every name a caller can send as `model`: aliases, and `provider/model` for providers
 * that declare a fixed model list. Built once per routing table.
 */
export function catalogue(table: RoutingTable): readonly (ListedModel & { readonly target: string })[] {
  const out: (ListedModel & { target: string })[] = [];
  for (const alias of table.models.values()) {
    out.push({ id: alias.name, owned_by: alias.target.slice(0, alias.target.indexOf('/')), target: alias.target });
  }
  for (const provider of table.providers.values()) {
    for (const model of provider.adapter.models ?? []) {
      const id = `${provider.name}/${model}`;
      out.push({ id, owned_by: provider.name, target: id });
    }
  }
  return out;
}

/** The models this caller may use, as the allow-list decides for a request naming them. */
export function modelsFor(caller: Caller, all: ReturnType<typeof catalogue>, created: number): Record<string, unknown> {
  const data = all.filter((m) => mayUse(caller, m.id, m.target)).map((m) => ({ id: m.id, object: 'model', created, owned_by: m.owned_by }));
  return { object: 'list', data };
}
