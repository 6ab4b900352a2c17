import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import mongoose from 'mongoose';
import type { Config } from './config/schema.ts';
import type { Logger } from './log.ts';
import { registerOutboxMetrics } from './mail/outbox-metrics.ts';
import { databaseErrors, databaseSeconds, registry } from './metrics.ts';
import { registerReviewMetrics } from './review/numbers.ts';
import { registerIdpMetrics } from './saml/idp-metrics.ts';

/** Database operations by command name, from the driver's command events (on when metrics are). */
function countDatabaseCommands(): void {
  const driver = mongoose.connection.getClient();
  driver.on('commandSucceeded', (event) => databaseSeconds.observe({ command: event.commandName }, event.duration / 1000));
  driver.on('commandFailed', (event) => databaseErrors.inc({ command: event.commandName }));
}

/**
 * GET /metrics for Prometheus on a listener of its own (loopback by default), so the public port
 * never shows it. Off when `metrics.port` is 0.
 */
export async function startMetricsServer(
  settings: Config['metrics'],
  logger: Logger,
): Promise<{ url?: string; stop: () => Promise<void> }> {
  if (!settings.port) return { stop: async () => undefined };
  registerOutboxMetrics();
  registerIdpMetrics();
  registerReviewMetrics();
  countDatabaseCommands();
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (error) => {
        logger.warn({ err: error }, 'metrics not collected');
        res.writeHead(503).end();
      },
    );
  });
  await new Promise<void>((done) => server.listen(settings.port, settings.host, () => done()));
  const { port } = server.address() as AddressInfo;
  const url = `http://${settings.host}:${port}/metrics`;
  logger.info({ url }, 'metrics listening');
  return { url, stop: () => new Promise<void>((done) => server.close(() => done())) };
}
