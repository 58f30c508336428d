import type { AccountState, FieldDefinition, FieldOwner } from './account-state.ts';
import { FIELD_KEY_PATTERN } from './field-validation.ts';
import { nextStamp } from './simulator-runtime.ts';
import { addDetail } from './user-writes.ts';
import type { FieldErrorDetail } from './zendesk-errors.ts';

// Creation of custom field definitions (ticket, user, organization and custom object fields) with the
// checks the real API applies: required title/type, key syntax and uniqueness, options, lookup targets.
const TYPES_BY_OWNER: Record<FieldOwner, string[]> = {
  ticket: [
    'text',
    'textarea',
    'checkbox',
    'date',
    'integer',
    'decimal',
    'regexp',
    'partialcreditcard',
    'multiselect',
    'tagger',
    'lookup',
  ],
  user: ['text', 'textarea', 'checkbox', 'date', 'integer', 'decimal', 'regexp', 'dropdown', 'multiselect', 'lookup'],
  organization: [
    'text',
    'textarea',
    'checkbox',
    'date',
    'integer',
    'decimal',
    'regexp',
    'dropdown',
    'multiselect',
    'lookup',
  ],
  custom_object: [
    'text',
    'textarea',
    'checkbox',
    'date',
    'integer',
    'decimal',
    'regexp',
    'dropdown',
    'multiselect',
    'lookup',
  ],
};

const OPTION_TYPES = ['dropdown', 'tagger', 'multiselect'];

export type FieldCreation =
  | { ok: true; field: FieldDefinition }
  | { ok: false; details: Record<string, FieldErrorDetail[]> };

function validTarget(account: AccountState, target: unknown): boolean {
  if (target === 'zen:user' || target === 'zen:organization' || target === 'zen:ticket') return true;
  return (
    typeof target === 'string' && target.startsWith('zen:custom_object:') && account.customObjects.has(target.slice(18))
  );
}

export function createFieldDefinition(
  account: AccountState,
  owner: FieldOwner,
  existing: FieldDefinition[],
  input: unknown,
  now: number,
): FieldCreation {
  const details: Record<string, FieldErrorDetail[]> = {};
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    addDetail(details, 'base', { description: 'Field must be an object', error: 'InvalidValue' });
    return { ok: false, details };
  }
  const field = input as Record<string, unknown>;
  if (typeof field.title !== 'string' || field.title.trim() === '') {
    addDetail(details, 'title', { description: 'Title: cannot be blank', error: 'BlankValue' });
  }
  if (typeof field.type !== 'string' || !TYPES_BY_OWNER[owner].includes(field.type)) {
    addDetail(details, 'type', {
      description: `Type: ${String(field.type)} is not a valid field type`,
      error: 'InvalidValue',
    });
  }
  if (owner !== 'ticket') {
    if (typeof field.key !== 'string' || !FIELD_KEY_PATTERN.test(field.key)) {
      addDetail(details, 'key', {
        description: 'Key: must consist of only letters, numbers, and underscores, and not only numbers',
        error: 'InvalidValue',
      });
    } else if (existing.some((other) => other.key === field.key)) {
      addDetail(details, 'key', { description: 'Key: has already been taken', error: 'DuplicateValue' });
    }
  }
  const options = field.custom_field_options;
  if (typeof field.type === 'string' && OPTION_TYPES.includes(field.type)) {
    const valid =
      Array.isArray(options) &&
      options.length > 0 &&
      options.every(
        (option) => typeof option?.name === 'string' && typeof option?.value === 'string' && option.value !== '',
      );
    if (!valid) {
      addDetail(details, 'custom_field_options', {
        description: 'Custom field options: each option needs a name and a value',
        error: 'InvalidValue',
      });
    }
  }
  if (field.type === 'lookup' && !validTarget(account, field.relationship_target_type)) {
    addDetail(details, 'relationship_target_type', {
      description: 'Relationship target type: is invalid',
      error: 'InvalidValue',
    });
  }
  if (field.type === 'regexp' && typeof field.regexp_for_validation !== 'string') {
    addDetail(details, 'regexp_for_validation', {
      description: 'Regexp for validation: cannot be blank',
      error: 'BlankValue',
    });
  }
  if (Object.keys(details).length > 0) return { ok: false, details };
  const stamp = nextStamp(null, now);
  const definition: FieldDefinition = {
    id: account.nextId(),
    key: owner === 'ticket' ? null : (field.key as string),
    type: field.type as string,
    title: field.title as string,
    description: typeof field.description === 'string' ? field.description : '',
    active: field.active !== false,
    position: existing.length,
    required: field.required === true,
    regexp_for_validation: typeof field.regexp_for_validation === 'string' ? field.regexp_for_validation : null,
    ...(Array.isArray(options)
      ? {
          custom_field_options: (options as { name: string; value: string }[]).map((option) => ({
            id: account.nextId(),
            name: option.name,
            value: option.value,
          })),
        }
      : {}),
    ...(field.type === 'lookup' ? { relationship_target_type: field.relationship_target_type as string } : {}),
    system: false,
    created_at: stamp,
    updated_at: stamp,
  };
  existing.push(definition);
  return { ok: true, field: definition };
}
