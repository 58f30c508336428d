import { type AccountState, type FieldDefinition, sameExternalId } from './account-state.ts';

// Type checks the real API applies to custom field values (ticket custom_fields, user_fields,
// organization_fields, custom object record fields). A value that would be rejected is reported with
// a message; an accepted value is returned normalized (lookups resolved to the target's id).
export type FieldCheck = { ok: true; value: unknown } | { ok: false; message: string };

export const FIELD_TYPES = [
  'text',
  'textarea',
  'integer',
  'decimal',
  'date',
  'checkbox',
  'regexp',
  'dropdown',
  'tagger',
  'multiselect',
  'lookup',
] as const;

export const FIELD_KEY_PATTERN = /^(?![0-9]+$)[A-Za-z0-9_]+$/;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(T[0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;

function isRealDate(value: string): boolean {
  const match = DATE_PATTERN.exec(value);
  if (!match) return false;
  const [, year, month, day] = match;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  return (
    date.getUTCFullYear() === Number(year) &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day)
  );
}

/** Resolves a lookup value (numeric id, record id, or `external_id:…`) against its target, or null. */
export function resolveLookup(account: AccountState, targetType: string, value: unknown): number | string | null {
  const raw = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : null;
  if (raw === null || raw === '') return null;
  const externalId = raw.startsWith('external_id:') ? raw.slice('external_id:'.length) : null;
  if (targetType === 'zen:user' || targetType === 'zen:organization') {
    const records = targetType === 'zen:user' ? account.users : account.organizations;
    if (externalId !== null) {
      const match =
        targetType === 'zen:user'
          ? account.users.first('external_id', externalId)
          : account.organizations.first('external_id', externalId);
      return match?.id ?? null;
    }
    const id = Number(raw);
    return Number.isInteger(id) && records.has(id) ? id : null;
  }
  if (targetType === 'zen:ticket') {
    if (externalId !== null) {
      for (const ticket of account.tickets.values())
        if (sameExternalId(ticket.external_id, externalId)) return ticket.id;
      return null;
    }
    const id = Number(raw);
    return Number.isInteger(id) && account.tickets.has(id) ? id : null;
  }
  const objectKey = targetType.startsWith('zen:custom_object:') ? targetType.slice('zen:custom_object:'.length) : null;
  const target = objectKey === null ? undefined : account.customObjects.get(objectKey);
  if (!target) return null;
  if (externalId !== null) return target.records.first('external_id', externalId)?.id ?? null;
  return target.records.has(raw) ? raw : null;
}

export function checkFieldValue(account: AccountState, field: FieldDefinition, value: unknown): FieldCheck {
  if (value === null) return { ok: true, value: null };
  const title = field.title;
  const optionValues = (field.custom_field_options ?? []).map((option) => option.value);
  switch (field.type) {
    case 'text':
    case 'textarea':
      if (typeof value === 'string') return { ok: true, value };
      if (typeof value === 'number' || typeof value === 'boolean') return { ok: true, value: String(value) };
      return { ok: false, message: `${title} is invalid` };
    case 'integer': {
      const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
      if (!/^-?\d+$/.test(text)) return { ok: false, message: `${title} is not a number` };
      return { ok: true, value: Number(text) };
    }
    case 'decimal': {
      const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
      if (!/^-?\d+(\.\d+)?$/.test(text)) return { ok: false, message: `${title} is not a number` };
      return { ok: true, value: Number(text) };
    }
    case 'date':
      if (typeof value !== 'string' || !isRealDate(value))
        return { ok: false, message: `${title} is not a valid date` };
      return { ok: true, value: value.slice(0, 10) };
    case 'checkbox':
      if (typeof value === 'boolean') return { ok: true, value };
      if (value === 'true' || value === 'false') return { ok: true, value: value === 'true' };
      return { ok: false, message: `${title} is invalid` };
    case 'regexp':
      if (typeof value !== 'string' || !new RegExp(field.regexp_for_validation ?? '.*').test(value)) {
        return { ok: false, message: `${title} is invalid` };
      }
      return { ok: true, value };
    case 'dropdown':
    case 'tagger':
      if (typeof value !== 'string' || !optionValues.includes(value))
        return { ok: false, message: `${title} is invalid` };
      return { ok: true, value };
    case 'multiselect':
      if (!Array.isArray(value) || !value.every((item) => typeof item === 'string' && optionValues.includes(item))) {
        return { ok: false, message: `${title} is invalid` };
      }
      return { ok: true, value };
    case 'lookup': {
      const resolved = resolveLookup(account, field.relationship_target_type ?? '', value);
      if (resolved === null) return { ok: false, message: `${title} does not reference an existing record` };
      return { ok: true, value: resolved };
    }
    default:
      return { ok: true, value };
  }
}

export interface KeyedFieldsOutcome {
  values: Record<string, unknown>;
  errors: { key: string; message: string }[];
}

/** Validates `user_fields` / `organization_fields` / `custom_object_fields` (keyed by field key). */
export function checkKeyedFields(
  account: AccountState,
  definitions: FieldDefinition[],
  input: unknown,
): KeyedFieldsOutcome {
  const outcome: KeyedFieldsOutcome = { values: {}, errors: [] };
  if (input === undefined) return outcome;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    outcome.errors.push({ key: 'base', message: 'Fields must be an object keyed by field key' });
    return outcome;
  }
  for (const [key, value] of Object.entries(input)) {
    const field = definitions.find((candidate) => candidate.key === key && !candidate.system);
    if (!field) {
      outcome.errors.push({ key, message: `${key} is not a defined field` });
      continue;
    }
    const check = checkFieldValue(account, field, value);
    if (check.ok) outcome.values[key] = check.value;
    else outcome.errors.push({ key, message: check.message });
  }
  return outcome;
}
