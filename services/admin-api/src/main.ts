import { createCredentialVault } from '@mlc/common/credential-vault';
import { createDbPool, waitForDatabase } from '@mlc/common/db-pool';
import { isMlcError } from '@mlc/common/errors';
import { createKafka } from '@mlc/common/kafka-client';
import { createLogger } from '@mlc/common/logger';
import { migrate } from '@mlc/common/migrate';
import { type AdminApiServiceConfig, activeKeyIdOf, loadAdminApiConfig } from './admin-api-config.ts';
import { buildAdminApi } from './build-admin-api.ts';

function configOrExit(): AdminApiServiceConfig {
  try {
    return loadAdminApiConfig();
  } catch (error) {
    // One clear message naming every bad variable; secret values are never part of it.
    process.stderr.write(`admin-api: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createLogger({ name: 'admin-api', level: config.logLevel });
  const db = createDbPool(config.databaseUrl, { schema: config.databaseSchema, logger });
  try {
    await waitForDatabase(db, { timeoutMs: config.startupRetryTimeoutMs, databaseUrl: config.databaseUrl, logger });
    await migrate(db, { schema: config.databaseSchema, logger });
    const vault = createCredentialVault({
      masterKeys: config.masterKeys.join(','),
      activeKeyId: activeKeyIdOf(config),
    });
    const app = await buildAdminApi({
      config: {
        adminBootstrapToken: config.adminBootstrapToken,
        kafkaBrokers: config.kafkaBrokers,
        schemaRegistryUrl: config.schemaRegistryUrl,
        topicPrefix: config.topicPrefix,
        topics: { partitions: config.topicPartitions, replicationFactor: config.topicReplicationFactor },
      },
      db,
      vault,
      kafka: createKafka(config, logger),
      logger,
    });
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'admin API stopping');
      // fastify.close stops accepting connections and waits for in-flight requests.
      void app
        .close()
        .then(() => db.end())
        .then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'admin API did not stop cleanly');
            process.exit(1);
          },
        );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    const address = await app.listen({ host: config.adminApiHost, port: config.adminApiPort });
    logger.info({ address, docs: `${address}/docs` }, 'admin API listening');
  } catch (error) {
    logger.fatal({ err: error, code: isMlcError(error) ? error.code : undefined }, 'admin API failed to start');
    await db.end().catch(() => {});
    process.exit(1);
  }
}

await main();
