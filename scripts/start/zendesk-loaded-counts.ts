/**
 * How many records of each entity a tenant has in Zendesk, read from the Zendesk simulator's state by the
 * loader's external ids (`mlc:<tenant>:<entity>:<natural key>`; supplier contacts add `:contact:…` and are
 * not counted as suppliers). Duplicates are counted separately: a correct pipeline has none.
 */
import type { ZendeskSimState } from './simulator-control.ts';

export interface LoadedCounts {
  perEntity: Record<string, number>;
  /** Objects beyond the first per external id. */
  duplicates: number;
}

export function loadedCountsOf(state: ZendeskSimState, tenantId: string, entities: readonly string[]): LoadedCounts {
  const externalIds = [
    ...state.users.map((user) => user.external_id),
    ...state.organizations.map((organization) => organization.external_id),
    ...Object.values(state.customObjectRecords).flatMap((records) => records.map((record) => record.external_id)),
  ].filter(
    (id): id is string => typeof id === 'string' && id.startsWith(`mlc:${tenantId}:`) && !id.includes(':contact:'),
  );
  const perEntity: Record<string, number> = Object.fromEntries(entities.map((entity) => [entity, 0]));
  const seen = new Set<string>();
  let duplicates = 0;
  for (const id of externalIds) {
    const key = id.toLowerCase();
    if (seen.has(key)) {
      duplicates += 1;
      continue;
    }
    seen.add(key);
    const entity = id.slice(`mlc:${tenantId}:`.length).split(':')[0] ?? '';
    if (entity in perEntity) perEntity[entity] = (perEntity[entity] ?? 0) + 1;
  }
  return { perEntity, duplicates };
}

/** Zendesk write requests (POST/PUT/PATCH/DELETE under /api/v2) the simulator counted, all endpoints. */
export function totalWrites(state: ZendeskSimState): number {
  return Object.values(state.writeCounts).reduce((sum, count) => sum + count, 0);
}
