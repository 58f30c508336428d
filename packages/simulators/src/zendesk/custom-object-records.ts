import type { AccountState, CustomObjectDefinition, CustomObjectRecordData } from './account-state.ts';
import { checkKeyedFields } from './field-validation.ts';
import { nextStamp } from './simulator-runtime.ts';

// Writes of custom object records: name required (unless autonumbered), fields validated by type,
// lookups `external_id:…` resolved, the 32 KB size limit, external ids unique case-insensitively.
export const RECORD_SIZE_LIMIT_BYTES = 32 * 1024;

export interface RecordError {
  code: string;
  title: string;
  detail: string;
  source?: { pointer: string };
}

export type RecordWrite =
  | { ok: true; record: CustomObjectRecordData; action: 'create' | 'update' }
  | { ok: false; action: 'create' | 'update'; errors: RecordError[] };

export function findRecordByExternalId(
  object: CustomObjectDefinition,
  externalId: string,
): CustomObjectRecordData | null {
  return object.records.first('external_id', externalId);
}

export function writeRecord(
  account: AccountState,
  object: CustomObjectDefinition,
  existing: CustomObjectRecordData | null,
  input: unknown,
  now: number,
): RecordWrite {
  const action = existing ? 'update' : 'create';
  const errors: RecordError[] = [];
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return {
      ok: false,
      action,
      errors: [{ code: 'InvalidRecord', title: 'Invalid record', detail: 'Record must be an object' }],
    };
  }
  const body = input as Record<string, unknown>;
  if (Buffer.byteLength(JSON.stringify(body)) > RECORD_SIZE_LIMIT_BYTES) {
    return {
      ok: false,
      action,
      errors: [
        { code: 'RecordTooLarge', title: 'Record too large', detail: 'Custom object records are limited to 32 KB' },
      ],
    };
  }
  let name = body.name ?? existing?.name;
  if (object.autoincrementName) {
    if (body.name !== undefined) {
      errors.push({
        code: 'InvalidAttribute',
        title: 'Invalid attribute',
        detail: 'Name is generated automatically',
        source: { pointer: '/name' },
      });
    }
    name = existing?.name ?? `${object.title} ${object.records.size + 1}`;
  } else if (typeof name !== 'string' || name.trim() === '') {
    errors.push({
      code: 'BlankValue',
      title: 'Blank value',
      detail: 'Name cannot be blank',
      source: { pointer: '/name' },
    });
  }
  const externalId = body.external_id === undefined ? (existing?.external_id ?? null) : body.external_id;
  if (externalId !== null && typeof externalId !== 'string') {
    errors.push({
      code: 'InvalidValue',
      title: 'Invalid value',
      detail: 'External id must be a string',
      source: { pointer: '/external_id' },
    });
  } else if (externalId !== null) {
    const other = findRecordByExternalId(object, externalId);
    if (other && other.id !== existing?.id) {
      errors.push({
        code: 'DuplicateValue',
        title: 'Duplicate value',
        detail: 'External id has already been taken',
        source: { pointer: '/external_id' },
      });
    }
  }
  const fields = checkKeyedFields(account, object.fields, body.custom_object_fields);
  for (const error of fields.errors) {
    errors.push({
      code: 'InvalidFieldValue',
      title: 'Invalid field value',
      detail: error.message,
      source: { pointer: `/custom_object_fields/${error.key}` },
    });
  }
  if (errors.length > 0) return { ok: false, action, errors };
  const createdAt = existing?.created_at ?? nextStamp(null, now);
  const record: CustomObjectRecordData = {
    id: existing?.id ?? account.nextRecordId(),
    name: name as string,
    external_id: externalId as string | null,
    custom_object_fields: { ...existing?.custom_object_fields, ...fields.values },
    created_at: createdAt,
    updated_at: existing ? nextStamp(existing.updated_at, now) : createdAt,
  };
  object.records.set(record.id, record);
  return { ok: true, record, action };
}
