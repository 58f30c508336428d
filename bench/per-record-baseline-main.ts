/**
 * The per-record baseline as its own process, like the loader's main: same configuration variables, a
 * graceful stop on SIGTERM/SIGINT. The bench starts it where it would start services/loader/src/main.ts,
 * so the baseline and the product are measured the same way (their own event loop, their own RSS).
 */
import { loadConfig } from '@mlc/common/config';
import { createLogger } from '@mlc/common/logger';
import { LOADER_SERVICE_CONFIG } from '@mlc/loader/loader-service';
import { startPerRecordBaselineLoader } from './per-record-baseline.ts';

const config = loadConfig(LOADER_SERVICE_CONFIG);
const logger = createLogger({ name: 'baseline-loader', level: config.logLevel });
const loader = await startPerRecordBaselineLoader({ config, logger });
logger.info('per-record baseline loader started');
let stopping = false;
const shutdown = () => {
  if (stopping) process.exit(1);
  stopping = true;
  loader.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, 'baseline loader did not stop cleanly');
      process.exit(1);
    },
  );
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
