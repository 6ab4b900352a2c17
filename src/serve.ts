import { OperatorError } from './admin/errors.ts';
import { ConfigError, loadConfig } from './config/load.ts';
import { DatabaseUnreachableError } from './db/connection.ts';
import { StoreUnreachableError } from './db/protocol-store.ts';
import { messageOf } from './errors.ts';
import { createLogger } from './log.ts';
import { startService } from './service.ts';

/** Known start-up problems are one clear line and exit 1; anything else is logged in full. */
function fail(error: unknown): never {
  const known =
    error instanceof ConfigError ||
    error instanceof DatabaseUnreachableError ||
    error instanceof StoreUnreachableError ||
    error instanceof OperatorError;
  const message = known ? messageOf(error) : `start-up failed: ${messageOf(error)}`;
  process.stderr.write(`cert-idp: ${message}\n`);
  process.exit(1);
}

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  fail(error);
}
const logger = createLogger(config.logLevel);
const service = await startService(config, logger).catch(fail);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  await service.stop();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
