import type { AccountState, OrganizationRecord } from './account-state.ts';
import { nextStamp } from './simulator-runtime.ts';
import { addDetail, blankFields, externalIdOf, fieldDetails, type WriteOutcome } from './user-writes.ts';
import type { FieldErrorDetail } from './zendesk-errors.ts';

// Create/update of one organization: names and external ids are unique per account (case-insensitive).
export function findOrganizationMatch(
  account: AccountState,
  input: Record<string, unknown>,
): OrganizationRecord | null {
  if (typeof input.id === 'number') return account.organizations.get(input.id) ?? null;
  const externalId = externalIdOf(input.external_id);
  return externalId ? account.organizations.first('external_id', externalId) : null;
}

export function writeOrganization(
  account: AccountState,
  existing: OrganizationRecord | null,
  input: unknown,
  now: number,
): WriteOutcome<OrganizationRecord> {
  const action = existing ? 'update' : 'create';
  const details: Record<string, FieldErrorDetail[]> = {};
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    addDetail(details, 'base', { description: 'Organization must be an object', error: 'InvalidValue' });
    return { ok: false, action, details, matchedId: existing?.id ?? null };
  }
  const organization = input as Record<string, unknown>;
  const name = organization.name ?? existing?.name;
  if (typeof name !== 'string' || name.trim() === '') {
    addDetail(details, 'name', { description: 'Name: cannot be blank', error: 'BlankValue' });
  } else {
    for (const other of account.organizations.matching('name', [name])) {
      if (other.id !== existing?.id) {
        addDetail(details, 'name', { description: 'Name: has already been taken', error: 'DuplicateValue' });
      }
    }
  }
  const externalId = externalIdOf(organization.external_id);
  if (organization.external_id !== undefined && externalId === undefined) {
    addDetail(details, 'external_id', { description: 'External id is invalid', error: 'InvalidValue' });
  }
  if (externalId) {
    for (const other of account.organizations.matching('external_id', [externalId])) {
      if (other.id !== existing?.id) {
        addDetail(details, 'external_id', { description: 'External: has already been taken', error: 'DuplicateValue' });
      }
    }
  }
  const fields = fieldDetails(account, account.organizationFields, organization.organization_fields, details);
  if (Object.keys(details).length > 0) return { ok: false, action, details, matchedId: existing?.id ?? null };

  const id = existing?.id ?? account.nextId();
  const createdAt = existing?.created_at ?? nextStamp(null, now);
  const record: OrganizationRecord = {
    id,
    name: name as string,
    external_id: externalId === undefined ? (existing?.external_id ?? null) : externalId,
    details: typeof organization.details === 'string' ? organization.details : (existing?.details ?? ''),
    notes: typeof organization.notes === 'string' ? organization.notes : (existing?.notes ?? ''),
    domain_names: Array.isArray(organization.domain_names)
      ? organization.domain_names.map(String)
      : (existing?.domain_names ?? []),
    tags: Array.isArray(organization.tags) ? organization.tags.map(String) : (existing?.tags ?? []),
    group_id: existing?.group_id ?? null,
    shared_tickets: existing?.shared_tickets ?? false,
    shared_comments: existing?.shared_comments ?? false,
    organization_fields: { ...blankFields(account.organizationFields), ...existing?.organization_fields, ...fields },
    created_at: createdAt,
    updated_at: existing ? nextStamp(existing.updated_at, now) : createdAt,
  };
  account.organizations.set(id, record);
  return { ok: true, record, action };
}
