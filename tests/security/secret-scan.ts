/**
 * Looks for secrets in everything the product wrote or answered: byte-for-byte search of each named
 * secret in log files, raw Kafka messages (keys, values, headers), a pg_dump of the schema and HTTP
 * response bodies. A hit names the secret (never its value) and where it was found.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaBrokers } from '../support/test-env.ts';

export interface NamedSecret {
  name: string;
  value: string;
}

export interface SecretHit {
  secret: string;
  where: string;
}

export class SecretScanner {
  readonly #secrets: { name: string; bytes: Buffer }[] = [];
  readonly hits: SecretHit[] = [];
  scannedBytes = 0;
  scannedItems = 0;

  add(secret: NamedSecret): void {
    // Short strings match by accident; every secret the suites use is long and random.
    if (secret.value.length < 12) throw new Error(`secret ${secret.name} is too short to scan for reliably`);
    if (!this.#secrets.some((known) => known.bytes.equals(Buffer.from(secret.value))))
      this.#secrets.push({ name: secret.name, bytes: Buffer.from(secret.value, 'utf8') });
  }

  get secretCount(): number {
    return this.#secrets.length;
  }

  scan(where: string, content: Buffer | string): void {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    this.scannedBytes += bytes.length;
    this.scannedItems += 1;
    for (const secret of this.#secrets) {
      const at = bytes.indexOf(secret.bytes);
      if (at !== -1) this.hits.push({ secret: secret.name, where: `${where} @byte ${at}` });
    }
  }

  scanFile(path: string): void {
    this.scan(`file ${path}`, readFileSync(path));
  }

  async scanPgDump(databaseUrl: string, schema: string): Promise<void> {
    const url = new URL(databaseUrl);
    url.searchParams.delete('options');
    const { stdout } = await promisify(execFile)('pg_dump', ['--schema', schema, '--data-only', url.toString()], {
      maxBuffer: 512 * 1024 * 1024,
      encoding: 'buffer',
    });
    this.scan(`pg_dump of schema ${schema}`, stdout);
  }

  /** Reads every message of the given topics from the beginning to their current end. */
  async scanTopics(topics: readonly string[]): Promise<number> {
    const kafka = new Kafka({ clientId: 'mlc-secret-scan', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const remaining = new Map<string, bigint>();
    try {
      for (const topic of topics)
        for (const offset of await admin.fetchTopicOffsets(topic))
          if (offset.high !== offset.low) remaining.set(`${topic}/${offset.partition}`, BigInt(offset.high));
    } finally {
      await admin.disconnect();
    }
    if (remaining.size === 0) return 0;
    let messages = 0;
    const consumer = kafka.consumer({ groupId: `mlc-secret-scan-${Date.now()}-${process.pid}` });
    await consumer.connect();
    try {
      for (const topic of topics) await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`topics not read to their end in 60 s`)), 60_000);
        void consumer.run({
          eachMessage: async ({ topic, partition, message }) => {
            messages += 1;
            const where = `topic ${topic} partition ${partition} offset ${message.offset}`;
            if (message.key) this.scan(`${where} key`, message.key);
            if (message.value) this.scan(`${where} value`, message.value);
            for (const [header, value] of Object.entries(message.headers ?? {}))
              if (value !== undefined) this.scan(`${where} header ${header}`, String(value));
            const id = `${topic}/${partition}`;
            if (BigInt(message.offset) + 1n >= (remaining.get(id) ?? 0n)) remaining.delete(id);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        });
      });
    } finally {
      await consumer.disconnect();
    }
    return messages;
  }
}
