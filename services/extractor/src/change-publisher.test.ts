import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConnectorCodec } from '@mlc/common/change-event-codec';
import type { ChangeEvent } from '@mlc/common/entities';
import type { Producer, ProducerRecord } from 'kafkajs';
import { ChangePublisher } from './change-publisher.ts';

function publisherWith(maxMessageBytes: number) {
  const sent: ProducerRecord[] = [];
  const producer = { send: async (record: ProducerRecord) => void sent.push(record) } as unknown as Producer;
  const codec = {
    encodeChangeEvent: async (event: ChangeEvent) => Buffer.from(JSON.stringify(event)),
  } as unknown as ConnectorCodec;
  return { publisher: new ChangePublisher({ producer, codec, maxMessageBytes }), sent };
}

const record = (naturalKey: string, name: string) =>
  // Only the size matters here, not the full supplier shape.
  ChangePublisher.hash({
    naturalKey,
    sourceModifiedAt: null,
    sourceVersion: '1',
    payload: { supplierNumber: naturalKey, name } as never,
  });

test('a change event over the message limit is returned for the dead-letter queue and the rest is sent', async () => {
  const { publisher, sent } = publisherWith(2_000);
  const context = { tenantId: 't', entity: 'supplier' as const, runId: 'r' };
  const oversized = await publisher.publish(context, [record('S1', 'small'), record('S2', 'x'.repeat(5_000))]);
  assert.deepEqual(
    oversized.map((r) => r.naturalKey),
    ['S2'],
  );
  assert.match(oversized[0]?.reason ?? '', /over the 2000-byte message limit/);
  assert.deepEqual(
    sent.flatMap((batch) => batch.messages.map((m) => m.key)),
    ['t|supplier|S1'],
  );
});

test('a batch that is entirely over the limit sends nothing', async () => {
  const { publisher, sent } = publisherWith(100);
  const oversized = await publisher.publish({ tenantId: 't', entity: 'supplier', runId: 'r' }, [
    record('S1', 'x'.repeat(500)),
  ]);
  assert.equal(oversized.length, 1);
  assert.equal(sent.length, 0);
});
