import { loadConfig } from '@mlc/common/config';
import { isMlcError } from '@mlc/common/errors';
import { createLogger } from '@mlc/common/logger';
import { LOADER_SERVICE_CONFIG, type LoaderServiceConfig, type RunningLoader, startLoader } from './loader-service.ts';

/** The loader process: config, start, and a graceful stop on SIGTERM/SIGINT (exit 0) or a crash (exit 1). */
async function main(): Promise<void> {
  let config: LoaderServiceConfig;
  try {
    config = loadConfig(LOADER_SERVICE_CONFIG);
  } catch (error) {
    // One message naming every bad or missing variable; secret values are never echoed.
    process.stderr.write(`loader: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  const logger = createLogger({ name: 'loader', level: config.logLevel });
  let loader: RunningLoader | undefined;
  let exiting = false;
  const exit = async (code: number, reason: string) => {
    if (exiting) {
      // A second signal while draining: stop now; uncommitted offsets are re-delivered, writes are idempotent.
      process.exit(1);
    }
    exiting = true;
    logger.info({ reason }, 'loader stopping');
    try {
      await loader?.stop();
    } catch (error) {
      logger.error({ err: error }, 'loader did not stop cleanly');
      code = 1;
    }
    process.exit(code);
  };
  process.on('SIGTERM', () => void exit(0, 'SIGTERM'));
  process.on('SIGINT', () => void exit(0, 'SIGINT'));
  try {
    loader = await startLoader({
      config,
      logger,
      onCrash: (error) => {
        logger.fatal({ err: error }, 'change consumer crashed');
        void exit(1, 'consumer crashed');
      },
    });
  } catch (error) {
    logger.fatal({ err: error, code: isMlcError(error) ? error.code : undefined }, 'loader failed to start');
    process.exit(1);
  }
}

await main();
