import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { AuditRecord } from './audit-record.ts';
import type { DeadLetter } from './dead-letter.ts';
import { type ChangeEvent, isEntityName } from './entities.ts';
import { MlcError } from './errors.ts';
import { AUDIT_HISTORY_TOPIC, AUDIT_TOPIC, changeTopic, DLQ_TOPIC } from './topics.ts';

/**
 * avsc decodes records into instances of generated classes; callers get plain objects so values compare,
 * spread and serialize like the interfaces they are typed as. Bytes stay Buffers.
 */
export function toPlainValue(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  if (Array.isArray(value)) return value.map(toPlainValue);
  const plain: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) plain[key] = toPlainValue(member);
  return plain;
}

export interface ConnectorCodec {
  encodeChangeEvent(event: ChangeEvent): Promise<Buffer>;
  /**
   * The record framed for the audit topic and for the audit history topic: the same schema under two
   * subjects, so one encoding serves both whenever the registry gave both subjects one id.
   */
  encodeAuditRecord(record: AuditRecord): Promise<{ audit: Buffer; history: Buffer }>;
  encodeDeadLetter(record: DeadLetter): Promise<Buffer>;
  /** Decodes any registry-framed value (magic byte + schema id + Avro) into a plain object. */
  decodeMessage(buffer: Buffer): Promise<unknown>;
  decodeChangeEvent(buffer: Buffer): Promise<ChangeEvent>;
}

interface ValidationFailure {
  name: string;
  message: string;
  paths?: string[][];
}

function isValidationFailure(error: unknown): error is ValidationFailure {
  return error instanceof Error && error.name === 'ConfluentSchemaRegistryValidationError';
}

/** Encoding and decoding against the schema ids registered at start (see registerConnectorSchemas). */
export function createConnectorCodec(registry: SchemaRegistry, schemaIds: ReadonlyMap<string, number>): ConnectorCodec {
  function schemaIdOf(topic: string): number {
    const id = schemaIds.get(topic);
    if (id === undefined) {
      throw new MlcError('MLC_SCHEMA_INVALID', `No schema registered for topic ${topic}`, { field: topic });
    }
    return id;
  }

  async function encode(topic: string, value: object): Promise<Buffer> {
    try {
      return await registry.encode(schemaIdOf(topic), value);
    } catch (error) {
      if (!isValidationFailure(error)) throw error;
      const paths = (error.paths ?? []).map((path) => path.join('.')).join(', ');
      throw new MlcError('MLC_SCHEMA_INVALID', `Value does not match the schema of ${topic} at: ${paths || '(root)'}`, {
        cause: error,
        field: paths,
      });
    }
  }

  async function decodeMessage(buffer: Buffer): Promise<unknown> {
    try {
      return toPlainValue(await registry.decode(buffer));
    } catch (error) {
      if (error instanceof MlcError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new MlcError('MLC_SCHEMA_INVALID', `Message value cannot be decoded: ${message}`, { cause: error });
    }
  }

  return {
    encodeChangeEvent: (event) => encode(changeTopic(event.entity), event),
    async encodeAuditRecord(record) {
      const audit = await encode(AUDIT_TOPIC, record);
      const history =
        schemaIdOf(AUDIT_HISTORY_TOPIC) === schemaIdOf(AUDIT_TOPIC) ? audit : await encode(AUDIT_HISTORY_TOPIC, record);
      return { audit, history };
    },
    encodeDeadLetter: (record) => encode(DLQ_TOPIC, record),
    decodeMessage,
    async decodeChangeEvent(buffer) {
      const value = (await decodeMessage(buffer)) as ChangeEvent;
      if (!isEntityName(value?.entity) || typeof value.naturalKey !== 'string') {
        throw new MlcError('MLC_SCHEMA_INVALID', 'Decoded value is not a change event', { field: 'entity' });
      }
      return value;
    },
  };
}
