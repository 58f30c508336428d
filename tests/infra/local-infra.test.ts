import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { withIsolatedSchema } from '../support/isolated-database-schema.ts';
import { databaseUrl, kafkaBrokers, schemaRegistryUrl } from '../support/test-env.ts';
import { uniqueName } from '../support/unique-name.ts';

test('the broker creates, lists and deletes a topic through the admin client', async (t) => {
  const kafka = new Kafka({ clientId: uniqueName('infra_test'), brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  t.after(() => admin.disconnect());
  const topic = uniqueName('infra_topic');

  const created = await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  assert.equal(created, true);
  const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
  assert.equal(metadata?.partitions.length, 3);

  await admin.deleteTopics({ topics: [topic], timeout: 10_000 });
  assert.equal((await admin.listTopics()).includes(topic), false);
});

test('the registry answers the Confluent-compatible API with BACKWARD as global compatibility', async () => {
  const response = await fetch(`${schemaRegistryUrl()}/config`);
  assert.equal(response.status, 200);
  const config = (await response.json()) as { compatibilityLevel?: string };
  assert.equal(config.compatibilityLevel, 'BACKWARD');
});

test('an isolated database schema receives unqualified tables and is dropped afterwards', async (t) => {
  let schema = '';
  await t.test('inside the schema', async (inner) => {
    const isolated = await withIsolatedSchema(inner, 'infra_schema');
    schema = isolated.schema;
    const client = new pg.Client({ connectionString: isolated.connectionString });
    await client.connect();
    try {
      await client.query('create table probe (id int primary key)');
      const { rows } = await client.query<{ table_schema: string }>(
        "select table_schema from information_schema.tables where table_name = 'probe' and table_schema = $1",
        [isolated.schema],
      );
      assert.deepEqual(rows, [{ table_schema: isolated.schema }]);
    } finally {
      await client.end();
    }
  });

  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from information_schema.schemata where schema_name = $1', [
      schema,
    ]);
    assert.notEqual(schema, '');
    assert.equal(rowCount, 0);
  } finally {
    await client.end();
  }
});
