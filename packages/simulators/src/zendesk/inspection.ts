import type { AccountState } from './account-state.ts';

// A test's view of an account: every object with its external id, duplicates by external id (a correct
// loader run leaves none) and write counts per endpoint.
export interface DuplicateGroup {
  collection: string;
  externalId: string;
  ids: (number | string)[];
}

export interface AccountInspection {
  subdomain: string;
  users: {
    id: number;
    external_id: string | null;
    email: string | null;
    name: string;
    organization_id: number | null;
    user_fields: Record<string, unknown>;
  }[];
  organizations: {
    id: number;
    external_id: string | null;
    name: string;
    organization_fields: Record<string, unknown>;
  }[];
  tickets: {
    id: number;
    external_id: string | null;
    updated_at: string;
    custom_fields: { id: number; value: unknown }[];
  }[];
  customObjectRecords: Record<
    string,
    { id: string; external_id: string | null; name: string; custom_object_fields: Record<string, unknown> }[]
  >;
  duplicates: DuplicateGroup[];
  duplicateCount: number;
  writeCounts: Record<string, number>;
  jobs: { id: string; status: string; total: number }[];
}

function duplicatesOf(
  collection: string,
  items: { id: number | string; external_id: string | null }[],
): DuplicateGroup[] {
  const groups = new Map<string, (number | string)[]>();
  for (const item of items) {
    if (item.external_id === null) continue;
    const key = item.external_id.toLowerCase();
    groups.set(key, [...(groups.get(key) ?? []), item.id]);
  }
  return [...groups.entries()]
    .filter(([, ids]) => ids.length > 1)
    .map(([externalId, ids]) => ({ collection, externalId, ids }));
}

export function inspectAccount(account: AccountState): AccountInspection {
  const users = [...account.users.values()].map(({ id, external_id, email, name, organization_id, user_fields }) => ({
    id,
    external_id,
    email,
    name,
    organization_id,
    user_fields,
  }));
  const organizations = [...account.organizations.values()].map(({ id, external_id, name, organization_fields }) => ({
    id,
    external_id,
    name,
    organization_fields,
  }));
  const customObjectRecords: AccountInspection['customObjectRecords'] = {};
  const duplicates = [...duplicatesOf('users', users), ...duplicatesOf('organizations', organizations)];
  for (const object of account.customObjects.values()) {
    const records = [...object.records.values()].map(({ id, external_id, name, custom_object_fields }) => ({
      id,
      external_id,
      name,
      custom_object_fields,
    }));
    customObjectRecords[object.key] = records;
    duplicates.push(...duplicatesOf(`custom_objects/${object.key}`, records));
  }
  return {
    subdomain: account.subdomain,
    users,
    organizations,
    tickets: [...account.tickets.values()].map(({ id, external_id, updated_at, custom_fields }) => ({
      id,
      external_id,
      updated_at,
      custom_fields,
    })),
    customObjectRecords,
    duplicates,
    duplicateCount: duplicates.reduce((sum, group) => sum + group.ids.length - 1, 0),
    writeCounts: Object.fromEntries(account.writeCounts),
    jobs: [...account.jobs.values()].map(({ id, status, total }) => ({ id, status, total })),
  };
}
