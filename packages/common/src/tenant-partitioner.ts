import {
  type ICustomPartitioner,
  type Message,
  type PartitionerArgs,
  Partitioners,
  type PartitionMetadata,
} from 'kafkajs';

/** The tenant part of a change-event or audit key `tenantId|entity|naturalKey[|zendeskTarget]`. */
export function tenantIdOfKey(key: string): string {
  const end = key.indexOf('|');
  return end === -1 ? key : key.slice(0, end);
}

function keyText(key: Message['key']): string | undefined {
  if (key === null || key === undefined) return undefined;
  return Buffer.isBuffer(key) ? key.toString('utf8') : key;
}

/**
 * Puts every message of a tenant on one partition: kafkajs's default (Java-compatible murmur2) partitioning
 * applied to the tenant id instead of the whole key. One consumer then owns a tenant, which keeps its rate
 * budget exact without coordination (DESIGN.md §2). Messages without a key fall back to the default.
 */
export const TenantPartitioner: ICustomPartitioner = () => {
  const byKey = Partitioners.DefaultPartitioner();
  return ({ topic, partitionMetadata, message }: PartitionerArgs) => {
    const key = keyText(message.key);
    return byKey({
      topic,
      partitionMetadata,
      message: key === undefined ? message : { ...message, key: tenantIdOfKey(key) },
    });
  };
};

/** The partition a tenant's messages land on in a topic with `partitionCount` partitions. */
export function partitionForTenant(tenantId: string, partitionCount: number): number {
  const partitionMetadata: PartitionMetadata[] = Array.from({ length: partitionCount }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
  }));
  return Partitioners.DefaultPartitioner()({ topic: '', partitionMetadata, message: { key: tenantId, value: null } });
}
