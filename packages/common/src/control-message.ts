import { z } from 'zod';
import { ENTITY_NAMES } from './entities.ts';
import { MlcError } from './errors.ts';

/**
 * Messages on CONTROL_TOPIC (JSON, one partition, key = tenantId). The admin API writes them; every loader
 * reads the whole topic in order and acts only on tenants whose change-topic partitions it owns, so a
 * replay works while the loaders run, without a rebalance.
 *
 * - `replay`: seek the tenant's partition of each change topic (or only `entity`'s topic) back to `from`
 *   ('earliest', or the first offset at or after the ISO timestamp) and re-process. Records other than the
 *   tenant's (and entity's, and `naturalKeys`', when given) are skipped while catching up. `force` re-posts
 *   records whose content hash equals the applied one (what the `mlc-force` header does per message).
 * - `dlq-retry`: re-post the listed dead-lettered postings. Each item names the change-event position it came
 *   from (posting_history source_topic/partition/offset), so the loader can re-read exactly those records
 *   (or seek to the smallest offset per partition) and post them with force.
 */
export const CONTROL_MESSAGE_VERSION = 1;

const entityName = z.enum(ENTITY_NAMES);
const isoTime = z.iso.datetime({ offset: true });

const common = {
  version: z.literal(CONTROL_MESSAGE_VERSION),
  requestId: z.uuid(),
  tenantId: z.string().min(1),
  /** Admin token name that asked for it, for the loader's log line. */
  requestedBy: z.string(),
  requestedAt: isoTime,
};

export const replayControlMessageSchema = z.object({
  type: z.literal('replay'),
  ...common,
  /** null: every entity of the tenant. */
  entity: entityName.nullable(),
  from: z.union([z.literal('earliest'), isoTime]),
  /** null: every record; otherwise only these natural keys (of `entity`). */
  naturalKeys: z.array(z.string().min(1)).nullable(),
  force: z.boolean(),
});

export const dlqRetryItemSchema = z.object({
  /** posting_history id of the failed or dead-lettered posting. */
  postingId: z.string(),
  entity: entityName,
  naturalKey: z.string(),
  zendeskTarget: z.string(),
  sourceTopic: z.string().nullable(),
  sourcePartition: z.number().int().nullable(),
  sourceOffset: z.string().nullable(),
});

export const dlqRetryControlMessageSchema = z.object({
  type: z.literal('dlq-retry'),
  ...common,
  items: z.array(dlqRetryItemSchema).min(1),
});

export const controlMessageSchema = z.discriminatedUnion('type', [
  replayControlMessageSchema,
  dlqRetryControlMessageSchema,
]);

export type ReplayControlMessage = z.infer<typeof replayControlMessageSchema>;
export type DlqRetryItem = z.infer<typeof dlqRetryItemSchema>;
export type DlqRetryControlMessage = z.infer<typeof dlqRetryControlMessageSchema>;
export type ControlMessage = z.infer<typeof controlMessageSchema>;

export function encodeControlMessage(message: ControlMessage): { key: string; value: Buffer } {
  return { key: message.tenantId, value: Buffer.from(JSON.stringify(controlMessageSchema.parse(message)), 'utf8') };
}

/** Decodes and validates one control message; a malformed one is an MlcError the loader logs and skips. */
export function decodeControlMessage(value: Buffer | string): ControlMessage {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch {
    throw new MlcError('MLC_VALIDATION', 'Control message is not JSON', { field: 'value' });
  }
  const result = controlMessageSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new MlcError('MLC_VALIDATION', `Control message is invalid: ${issue?.message ?? 'unknown shape'}`, {
      field: issue?.path.join('.') ?? 'value',
    });
  }
  return result.data;
}
