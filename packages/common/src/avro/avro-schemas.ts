import { readFileSync } from 'node:fs';
import { ENTITY_NAMES, type EntityName } from '../entities.ts';
import { AUDIT_HISTORY_TOPIC, AUDIT_TOPIC, changeTopic, DLQ_TOPIC } from '../topics.ts';

/** An Avro record schema as registered: the parsed content of one `.avsc` file beside this module. */
export interface AvroRecordSchema {
  type: 'record';
  name: string;
  namespace?: string;
  doc?: string;
  // Avro field declarations are recursive JSON; avsc validates them when the schema is compiled.
  fields: Record<string, unknown>[];
}

function readSchema(file: string): AvroRecordSchema {
  return JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as AvroRecordSchema;
}

export const CHANGE_EVENT_SCHEMAS: { readonly [E in EntityName]: AvroRecordSchema } = Object.fromEntries(
  ENTITY_NAMES.map((entity) => [entity, readSchema(`./${entity}-change-event.avsc`)]),
) as { [E in EntityName]: AvroRecordSchema };

export const AUDIT_RECORD_SCHEMA = readSchema('./audit-record.avsc');
export const DEAD_LETTER_SCHEMA = readSchema('./dead-letter.avsc');

/** Every topic whose values are Avro, with its schema; each is registered under subject `<topic>-value`. */
export const TOPIC_VALUE_SCHEMAS: ReadonlyMap<string, AvroRecordSchema> = new Map([
  ...ENTITY_NAMES.map((entity) => [changeTopic(entity), CHANGE_EVENT_SCHEMAS[entity]] as const),
  [AUDIT_TOPIC, AUDIT_RECORD_SCHEMA],
  [AUDIT_HISTORY_TOPIC, AUDIT_RECORD_SCHEMA],
  [DLQ_TOPIC, DEAD_LETTER_SCHEMA],
]);
