import { isMlcError } from '@mlc/common/errors';
import { createLogger } from '@mlc/common/logger';
import { loadExtractorConfig } from './extractor-config.ts';
import { startExtractorService } from './extractor-service.ts';

let config: ReturnType<typeof loadExtractorConfig>;
try {
  config = loadExtractorConfig();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
const logger = createLogger({ name: 'extractor', level: config.logLevel });

try {
  const service = await startExtractorService({ config, logger, serveHealth: true });
  logger.info({ metricsPort: config.metricsPort }, 'extractor started');
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'extractor stopping: abandoning runs at the next page, flushing the producer');
    service.stop().then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: error }, 'extractor did not stop cleanly');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
} catch (error) {
  logger.fatal({ err: error, code: isMlcError(error) ? error.code : undefined }, 'extractor failed to start');
  process.exit(1);
}
