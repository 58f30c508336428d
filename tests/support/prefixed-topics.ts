/** The Kafka topics a test run created under its own prefix: listed for assertions, deleted on cleanup. */
import { Kafka, logLevel } from 'kafkajs';
import { kafkaBrokers } from './test-env.ts';

function kafkaAdmin(clientId: string, brokers: string[]) {
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING }).admin();
}

/** On the shared broker unless `brokers` names another. */
export async function listPrefixedTopics(prefix: string, brokers = kafkaBrokers()): Promise<string[]> {
  const admin = kafkaAdmin('mlc-test-topics', brokers);
  await admin.connect();
  try {
    return (await admin.listTopics()).filter((topic) => topic.startsWith(prefix)).sort();
  } finally {
    await admin.disconnect();
  }
}

/** Best effort: a leftover prefixed topic harms no other test, so a failing cleanup never fails one. */
export async function deletePrefixedTopics(prefix: string, brokers = kafkaBrokers()): Promise<void> {
  if (prefix === '') throw new Error('refusing to delete topics without a run prefix');
  const admin = kafkaAdmin('mlc-test-cleanup', brokers);
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 15_000 });
  } catch {
    // See above: cleanup must not mask the test's own outcome.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
