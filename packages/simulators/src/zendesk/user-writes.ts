import type { AccountState, FieldDefinition, UserRecord } from './account-state.ts';
import { checkKeyedFields } from './field-validation.ts';
import { nextStamp } from './simulator-runtime.ts';
import type { FieldErrorDetail } from './zendesk-errors.ts';

// Create-or-update of one user with the real API's matching (external_id, then email, both
// case-insensitive) and validation; shared by the single and the bulk endpoint.
export type WriteOutcome<T> =
  | { ok: true; record: T; action: 'create' | 'update' }
  | { ok: false; action: 'create' | 'update'; details: Record<string, FieldErrorDetail[]>; matchedId: number | null };

const EMAIL_PATTERN = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const ROLES = ['end-user', 'agent', 'admin'];

export function externalIdOf(value: unknown): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null || value === '') return null;
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

export function addDetail(details: Record<string, FieldErrorDetail[]>, key: string, detail: FieldErrorDetail): void {
  const list = details[key] ?? [];
  list.push(detail);
  details[key] = list;
}

export function fieldDetails(
  account: AccountState,
  definitions: FieldDefinition[],
  input: unknown,
  details: Record<string, FieldErrorDetail[]>,
): Record<string, unknown> {
  const outcome = checkKeyedFields(account, definitions, input);
  for (const error of outcome.errors)
    addDetail(details, error.key, { description: error.message, error: 'InvalidValue' });
  return outcome.values;
}

export function findUserMatch(account: AccountState, input: Record<string, unknown>): UserRecord | null {
  const externalId = externalIdOf(input.external_id);
  const byExternalId = externalId ? account.users.first('external_id', externalId) : null;
  if (byExternalId) return byExternalId;
  if (typeof input.email === 'string' && input.email !== '') return account.users.first('email', input.email);
  return null;
}

export function writeUser(
  account: AccountState,
  existing: UserRecord | null,
  input: unknown,
  now: number,
): WriteOutcome<UserRecord> {
  const action = existing ? 'update' : 'create';
  const details: Record<string, FieldErrorDetail[]> = {};
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    addDetail(details, 'base', { description: 'User must be an object', error: 'InvalidValue' });
    return { ok: false, action, details, matchedId: existing?.id ?? null };
  }
  const user = input as Record<string, unknown>;
  const name = user.name ?? existing?.name;
  if (typeof name !== 'string' || name.trim() === '') {
    addDetail(details, 'name', { description: 'Name: cannot be blank', error: 'BlankValue' });
  }
  const email = user.email === undefined ? (existing?.email ?? null) : user.email;
  if (email !== null && (typeof email !== 'string' || !EMAIL_PATTERN.test(email))) {
    addDetail(details, 'email', {
      description: `Email: ${String(email)} is not properly formatted`,
      error: 'InvalidFormat',
    });
  } else if (email !== null) {
    for (const other of account.users.matching('email', [email])) {
      if (other.id !== existing?.id) {
        addDetail(details, 'email', {
          description: `Email: ${email} is already being used by another user`,
          error: 'DuplicateValue',
        });
      }
    }
  }
  const externalId = externalIdOf(user.external_id);
  if (user.external_id !== undefined && externalId === undefined) {
    addDetail(details, 'external_id', { description: 'External id is invalid', error: 'InvalidValue' });
  }
  if (externalId) {
    for (const other of account.users.matching('external_id', [externalId])) {
      if (other.id !== existing?.id) {
        addDetail(details, 'external_id', { description: 'External: has already been taken', error: 'DuplicateValue' });
      }
    }
  }
  const organizationId =
    user.organization_id === undefined ? (existing?.organization_id ?? null) : user.organization_id;
  if (organizationId !== null && (typeof organizationId !== 'number' || !account.organizations.has(organizationId))) {
    addDetail(details, 'organization_id', { description: 'Organization is invalid', error: 'InvalidValue' });
  }
  const role = user.role ?? existing?.role ?? 'end-user';
  if (typeof role !== 'string' || !ROLES.includes(role)) {
    addDetail(details, 'role', { description: `Role: ${String(role)} is not a valid role`, error: 'InvalidValue' });
  }
  const fields = fieldDetails(account, account.userFields, user.user_fields, details);
  if (Object.keys(details).length > 0) return { ok: false, action, details, matchedId: existing?.id ?? null };

  const id = existing?.id ?? account.nextId();
  const createdAt = existing?.created_at ?? nextStamp(null, now);
  const record: UserRecord = {
    id,
    name: name as string,
    email: email as string | null,
    external_id: externalId === undefined ? (existing?.external_id ?? null) : externalId,
    organization_id: organizationId as number | null,
    role: role as string,
    phone: typeof user.phone === 'string' ? user.phone : (existing?.phone ?? null),
    notes: typeof user.notes === 'string' ? user.notes : (existing?.notes ?? ''),
    details: typeof user.details === 'string' ? user.details : (existing?.details ?? ''),
    tags: Array.isArray(user.tags) ? user.tags.map(String) : (existing?.tags ?? []),
    user_fields: { ...blankFields(account.userFields), ...existing?.user_fields, ...fields },
    active: true,
    created_at: createdAt,
    updated_at: existing ? nextStamp(existing.updated_at, now) : createdAt,
  };
  account.users.set(id, record);
  return { ok: true, record, action };
}

export function blankFields(definitions: FieldDefinition[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const field of definitions) if (field.key !== null) values[field.key] = null;
  return values;
}

export function detailsText(details: Record<string, FieldErrorDetail[]>): string {
  return Object.values(details)
    .flat()
    .map((detail) => detail.description)
    .join('; ');
}
