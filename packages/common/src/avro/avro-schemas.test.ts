import assert from 'node:assert/strict';
import { test } from 'node:test';
import avsc from 'avsc';
import type { AuditRecord } from '../audit-record.ts';
import { toPlainValue } from '../change-event-codec.ts';
import type { DeadLetter } from '../dead-letter.ts';
import { ENTITY_NAMES } from '../entities.ts';
import { AUDIT_HISTORY_TOPIC, AUDIT_TOPIC, changeTopic, DLQ_TOPIC } from '../topics.ts';
import { AUDIT_RECORD_SCHEMA, CHANGE_EVENT_SCHEMAS, DEAD_LETTER_SCHEMA, TOPIC_VALUE_SCHEMAS } from './avro-schemas.ts';
import { sampleChangeEvent } from './sample-change-events.ts';

function roundTrip(schema: object, value: object): unknown {
  const type = avsc.Type.forSchema(schema as avsc.Schema);
  return toPlainValue(type.fromBuffer(type.toBuffer(value)));
}

for (const entity of ENTITY_NAMES) {
  test(`a ${entity} change event survives the Avro round trip field for field, upsert and delete`, () => {
    for (const op of ['upsert', 'delete'] as const) {
      const event = sampleChangeEvent(entity, 'acme', op);
      assert.deepEqual(roundTrip(CHANGE_EVENT_SCHEMAS[entity], event), event);
    }
  });
}

test('a payload field the schema does not know is caught rather than dropped silently', () => {
  const event = sampleChangeEvent('customer');
  const extended = { ...event, payload: { ...event.payload, creditLimit: '5000' } };
  assert.notDeepEqual(roundTrip(CHANGE_EVENT_SCHEMAS.customer, extended), extended);
});

test('the audit record and dead letter round-trip, bytes included', () => {
  const audit: AuditRecord = {
    tenantId: 'acme',
    entity: 'invoice',
    naturalKey: 'S1000:INV-4711:2025',
    zendeskTarget: 'custom_object:invoice',
    contentHash: 'a'.repeat(64),
    zendeskObjectType: 'custom_object_record',
    zendeskId: '01HZX',
    status: 'dead_lettered',
    attempts: 3,
    lastError: 'RecordInvalid: amount',
    lastErrorCode: 'MLC_ZENDESK_ITEM_FAILED',
    runId: 'run-1',
    sourceTopic: changeTopic('invoice'),
    sourcePartition: 2,
    sourceOffset: '9007199254740993',
    appliedAt: null,
    updatedAt: '2025-03-20T09:01:00.000Z',
  };
  assert.deepEqual(roundTrip(AUDIT_RECORD_SCHEMA, audit), audit);
  const deadLetter: DeadLetter = {
    originalKey: 'acme|invoice|S1000:INV-4711:2025',
    sourceTopic: changeTopic('invoice'),
    sourcePartition: 2,
    sourceOffset: '42',
    tenantId: 'acme',
    entity: 'invoice',
    naturalKey: 'S1000:INV-4711:2025',
    zendeskTarget: null,
    reason: 'Zendesk answered 422 RecordInvalid',
    errorCode: 'MLC_ZENDESK_ITEM_FAILED',
    attempts: 1,
    runId: null,
    failedAt: '2025-03-20T09:02:00.000Z',
    originalValue: Buffer.from([0, 0, 0, 0, 7, 1, 2, 3]),
  };
  assert.deepEqual(roundTrip(DEAD_LETTER_SCHEMA, deadLetter), deadLetter);
});

test('every Avro topic has a schema and every optional field has a default, so additions stay BACKWARD', () => {
  assert.deepEqual(
    [...TOPIC_VALUE_SCHEMAS.keys()].sort(),
    [...ENTITY_NAMES.map(changeTopic), AUDIT_TOPIC, AUDIT_HISTORY_TOPIC, DLQ_TOPIC].sort(),
  );
  for (const schema of TOPIC_VALUE_SCHEMAS.values()) {
    for (const field of schema.fields) {
      if (Array.isArray(field.type) && field.type[0] === 'null') {
        assert.ok(
          'default' in field && field.default === null,
          `${schema.name}.${String(field.name)} lacks null default`,
        );
      }
    }
  }
});
