import type { RequestListener, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import mongoose from 'mongoose';
import type Provider from 'oidc-provider';
import { type AppDependencies, buildApp } from './app.ts';
import type { Config } from './config/schema.ts';
import { watchChanges } from './db/change-stamp.ts';
import type { EmbeddedDb } from './db/embedded.ts';
import { loadImageKey } from './db/image-crypto.ts';
import { openDatabase } from './db/open.ts';
import { followCacheChanges } from './db/read-cache.ts';
import { startSweeper } from './db/sweeper.ts';
// Development-only helpers are imported when used, so other processes do not load them.
import type { startDemoFrontend } from './demo-frontend/app.ts';
import { startingServer } from './http/starting-server.ts';
import type { Logger } from './log.ts';
import { MailWorker } from './mail/worker.ts';
import { recordKeyMade } from './metrics.ts';
import { startMetricsServer } from './metrics-server.ts';
import { loadCookieKeys, loadSigningKeys } from './oidc/keys.ts';
import { startFederationRefresh } from './saml/federation/refresh.ts';
import { loadSpKeys } from './saml/sp-keys.ts';
import { SecretHasher } from './security/secrets.ts';
import { type DemoCredentials, describeDemo, registerDemoFrontend, seedDemo } from './seed/demo.ts';
import type { startDemoIdp } from './seed/demo-idp.ts';

const projectRoot = fileURLToPath(new URL('../', import.meta.url));

export interface RunningService {
  server: Server;
  issuer: string;
  demo?: DemoCredentials;
  /** The demo certificate front end's address (development only). */
  frontendUrl?: string;
  /** Where Prometheus scrapes (when metrics.port is set). */
  metricsUrl?: string;
  /** The embedded database, when MONGODB_URI is not set. */
  embedded?: EmbeddedDb;
  stop(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, () => done((server.address() as AddressInfo).port));
  });
}

/** What runs beside the HTTP server: the mail worker, the sweeper, federation refreshes and the metrics listener. */
async function startBackground(config: Config, logger: Logger) {
  const mail = new MailWorker(config.mail, logger);
  mail.start();
  const stopSweeper = startSweeper(config.sweepIntervalMs, logger);
  const stopFederations = startFederationRefresh({
    memoryMb: config.saml.federationParseMemoryMb,
    pollSeconds: config.saml.federationPollSeconds,
    logger,
  });
  const metrics = await startMetricsServer(config.metrics, logger);
  return {
    metricsUrl: metrics.url,
    async stop() {
      stopSweeper();
      stopFederations();
      await metrics.stop();
      await mail.stop();
    },
  };
}

/**
 * The application with the signing and SAML SP keys as KEYS_DIR holds them. When the operator
 * rotates keys (the CLI moves the keys stamp), it is built again with the new ones and takes the
 * next requests; those in flight finish on the one they began on. No restart, no session lost.
 */
function keyedApp(keysDir: string, logger: Logger, build: (keys: Pick<AppDependencies, 'jwks' | 'spKeys'>) => Provider) {
  let handle: RequestListener | undefined;
  const load = async (generate: boolean) => {
    const [jwks, spKeys] = await Promise.all([loadSigningKeys(keysDir, generate), loadSpKeys(keysDir, generate)]);
    const signing = jwks.keys[0] as { iat?: number } | undefined;
    recordKeyMade('signing', signing?.iat ? signing.iat * 1000 : undefined);
    recordKeyMade('saml-sp', spKeys[0] ? Date.parse(spKeys[0].createdAt) : undefined);
    handle = build({ jwks, spKeys }).callback();
  };
  return {
    load,
    /** Only handed to the server once `load` has run, so `handle` is set by then. */
    listener: ((req, res) => handle?.(req, res)) as RequestListener,
    async reload() {
      await load(false).then(
        () => logger.info('keys changed: reloaded'),
        (error) => logger.error({ err: error }, 'keys changed but could not be read; the previous ones stay in use'),
      );
    },
  };
}

/**
 * Starts everything: database, keys, demo data, HTTP, mail worker, sweeper. With port 0 (tests)
 * the issuer is the loopback address of the port actually bound.
 */
/** What was started, stopped in the reverse order: by stop(), or at once when starting fails partway. */
class Teardown {
  private readonly steps: Array<() => unknown> = [];

  add(step: () => unknown): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) await step();
  }
}

/**
 * The demo data and, in development, the demo front end and the demo university sign-in (SimpleSAMLphp):
 * each of the two is optional, a warning when it cannot start.
 */
async function startDemo(
  config: Config,
  o: { issuer: string; hasher: SecretHasher; logger: Logger; mailCatcher: boolean; teardown: Teardown },
) {
  if (!config.demo.seed) return {};
  const mailbox = o.mailCatcher ? `${o.issuer}/dev/mail` : config.mail.smtpUrl;
  const demo = await seedDemo(o.hasher, config.demo.redirectUris, resolve(projectRoot, config.demo.credentialsFile), mailbox);
  let frontend: Awaited<ReturnType<typeof startDemoFrontend>> | undefined;
  let demoIdp: Awaited<ReturnType<typeof startDemoIdp>>;
  if (config.env === 'development') {
    const { startDemoFrontend } = await import('./demo-frontend/app.ts');
    frontend = await startDemoFrontend({
      issuer: o.issuer,
      tenantId: demo.tenantId,
      clientId: demo.clientId,
      clientSecret: demo.clientSecret,
      port: config.demo.frontendPort,
    }).catch((error) => {
      o.logger.warn({ err: error }, 'demo front end not started');
      return undefined;
    });
    const started = frontend;
    if (started) {
      o.teardown.add(() => started.stop());
      await registerDemoFrontend(started.url);
    }
    const { startDemoIdp } = await import('./seed/demo-idp.ts');
    demoIdp = await startDemoIdp(o.issuer, demo.tenantId).catch((error) => {
      o.logger.warn({ err: error }, 'demo university sign-in (SimpleSAMLphp) not started');
      return undefined;
    });
    const idp = demoIdp;
    if (idp) o.teardown.add(() => idp.stop());
  }
  process.stdout.write(describeDemo(o.issuer, demo, frontend?.url, demoIdp));
  return { demo, frontend };
}

const closeServer = (server: Server) =>
  new Promise<void>((done) => {
    server.close(() => done());
    server.closeIdleConnections();
  });

/**
 * Starts everything: database, keys, demo data, HTTP, mail worker, sweeper. With port 0 (tests)
 * the issuer is the loopback address of the port actually bound.
 */
export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const teardown = new Teardown();
  const { close: closeDatabase, embedded } = await openDatabase(config, false, logger);
  teardown.add(closeDatabase);
  teardown.add(() => mongoose.disconnect());
  await followCacheChanges();
  let keysChanged: (() => Promise<void>) | undefined;
  teardown.add(await watchChanges(config.changePollMs, async () => keysChanged?.()));
  const { server, ready } = startingServer();
  teardown.add(() => closeServer(server));
  try {
    const generate = config.env !== 'production';
    const keysDir = resolve(projectRoot, config.keysDir);
    const cookieKeys = loadCookieKeys(config.cookieKeys, keysDir, generate);
    loadImageKey(config.imageKey, keysDir, generate);
    const hasher = new SecretHasher(config.argon2);
    const port = await listen(server, config.port);
    const issuer = config.port === 0 ? `http://127.0.0.1:${port}` : config.issuer;
    const mailCatcher =
      config.env === 'development'
        ? await (await import('./dev/mail-catcher.ts')).startMailCatcher(config.mail.smtpUrl)
        : undefined;
    if (mailCatcher) teardown.add(() => mailCatcher.stop());
    const devPages = mailCatcher?.routes;
    const app = keyedApp(keysDir, logger, (keys) =>
      buildApp({ config: { ...config, issuer }, logger, hasher, cookieKeys, devPages, ...keys }),
    );
    await app.load(generate);
    keysChanged = app.reload;
    ready(app.listener);

    const { demo, frontend } = await startDemo(config, { issuer, hasher, logger, mailCatcher: Boolean(mailCatcher), teardown });
    const background = await startBackground(config, logger);
    teardown.add(() => background.stop());
    logger.info({ issuer, port }, 'listening');

    return {
      server,
      issuer,
      embedded,
      demo,
      frontendUrl: frontend?.url,
      metricsUrl: background.metricsUrl,
      stop: () => teardown.run(),
    };
  } catch (error) {
    await teardown.run();
    throw error;
  }
}
