// Where the real servers are, as handed to tests by scripts/run-tests.mjs (or by whoever runs them).

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value.trim() === '') {
    throw new Error(`${name} is not set: run the tests via npm test (which starts the servers) or set it`);
  }
  return value.trim();
}

/** KAFKA_BROKERS as a list (comma-separated host:port). */
export function kafkaBrokers(): string[] {
  return required('KAFKA_BROKERS')
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker !== '');
}

/** The registry's Confluent-compatible base URL, e.g. http://127.0.0.1:8081/apis/ccompat/v7. */
export function schemaRegistryUrl(): string {
  return required('SCHEMA_REGISTRY_URL').replace(/\/+$/, '');
}

export function databaseUrl(): string {
  return required('DATABASE_URL');
}
