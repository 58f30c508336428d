import { randomBytes } from 'node:crypto';

/**
 * A name no other test file or earlier run uses, safe as a Kafka topic, consumer group id,
 * registry subject or PostgreSQL identifier: lower-case letters, digits and `_`.
 */
export function uniqueName(prefix: string): string {
  const safePrefix = prefix.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  return `${safePrefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}
