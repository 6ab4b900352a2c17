import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import test from 'ava';
import { loadConfig } from '../src/config/load.ts';
import { openDatabase } from '../src/db/open.ts';
import { startDemoFrontend } from '../src/demo-frontend/app.ts';
import { freePort } from '../src/dev/free-port.ts';
import { inheritedEnv, runScript, testServiceEnv } from './helpers/run.ts';
import { testDatabaseUri } from './helpers/service.ts';

test('the service started against an unreachable database stops with one line naming it', async (t) => {
  const result = await runScript('src/main.ts', [], {
    NODE_ENV: 'test',
    MONGODB_URI: 'mongodb://127.0.0.1:1/cert-idp',
    MONGODB_SERVER_SELECTION_TIMEOUT_MS: '500',
  });
  t.is(result.code, 1);
  t.regex(result.stderr, /^cert-idp: cannot reach the database at mongodb:\/\/127\.0\.0\.1:1\/cert-idp: .+\n$/);
  t.notRegex(result.stderr, /\n\s+at /, 'no stack trace');
});

test('the service started against an unreachable protocol store stops with one line naming it', async (t) => {
  const result = await runScript('src/main.ts', [], {
    NODE_ENV: 'test',
    MONGODB_URI: testDatabaseUri('no-store'),
    REDIS_URL: 'redis://127.0.0.1:1',
  });
  t.is(result.code, 1);
  t.regex(result.stderr, /^cert-idp: cannot reach the protocol store at redis:\/\/127\.0\.0\.1:1: .+\n$/);
  t.notRegex(result.stderr, /\n\s+at /, 'no stack trace');
});

test('a malformed setting in the environment stops the service with a message naming it', async (t) => {
  const port = await runScript('src/main.ts', [], { NODE_ENV: 'test', PORT: 'abc' });
  t.is(port.code, 1);
  t.is(port.stderr, 'cert-idp: PORT must be a whole number, got "abc"\n');

  const issuer = await runScript('src/main.ts', [], { NODE_ENV: 'test', ISSUER: 'not a url' });
  t.is(issuer.code, 1);
  t.regex(issuer.stderr, /^cert-idp: setting "issuer": /);
});

test('production refuses to start without cookie keys, an https issuer, a database URI or a protocol store URL', async (t) => {
  t.throws(() => loadConfig({ NODE_ENV: 'production' }), { message: 'COOKIE_KEYS must be set in production' });
  t.throws(() => loadConfig({ NODE_ENV: 'production', COOKIE_KEYS: 'k'.repeat(32) }), {
    message: 'issuer must use https in production',
  });
  const production = { NODE_ENV: 'production', COOKIE_KEYS: 'k'.repeat(32), ISSUER: 'https://id.example.ac.jp' };
  const config = loadConfig(production);
  await t.throwsAsync(openDatabase(config), { message: 'MONGODB_URI must be set in production' });
  const withDatabase = loadConfig({ ...production, MONGODB_URI: 'mongodb://db.example.ac.jp/cert-idp' });
  await t.throwsAsync(openDatabase(withDatabase), { message: 'REDIS_URL must be set in production' });
});

test('environment variables override the configuration files', (t) => {
  const config = loadConfig({ NODE_ENV: 'test', PORT: '4000', ISSUER: 'https://id.example.ac.jp', SMTP_URL: 'smtp://mail:25' });
  t.is(config.port, 4000);
  t.is(config.issuer, 'https://id.example.ac.jp');
  t.is(config.mail.smtpUrl, 'smtp://mail:25');
  t.is(config.argon2.memoryCostKiB, 19456, 'the OWASP minimum stays the default');
});

test('only the tests and the benchmark ask the driver for command events; production and development do not', (t) => {
  const production = loadConfig({ NODE_ENV: 'production', COOKIE_KEYS: 'k'.repeat(32), ISSUER: 'https://id.example.ac.jp' });
  t.false(production.mongodb.monitorCommands);
  t.false(loadConfig({ NODE_ENV: 'development' }).mongodb.monitorCommands);
  t.true(loadConfig({ NODE_ENV: 'test' }).mongodb.monitorCommands);
});

test('the benchmark runs test instances with production polling and no command events, through the environment', (t) => {
  const config = loadConfig({
    NODE_ENV: 'test',
    CHANGE_POLL_MS: '2000',
    MAIL_POLL_INTERVAL_MS: '1000',
    MONGODB_MONITOR_COMMANDS: 'false',
  });
  t.is(config.changePollMs, 2000);
  t.is(config.mail.pollIntervalMs, 1000);
  t.false(config.mongodb.monitorCommands);
  t.throws(() => loadConfig({ NODE_ENV: 'test', CHANGE_POLL_MS: 'soon' }), {
    message: 'CHANGE_POLL_MS must be a whole number, got "soon"',
  });
});

test('argon2 settings weaker than the OWASP minimum are refused', (t) => {
  t.throws(() => loadConfig({ NODE_ENV: 'test' }, { argon2: { memoryCostKiB: 1024, timeCost: 2, parallelism: 1 } }), {
    message: /argon2\.memoryCostKiB.*OWASP/,
  });
});

test('the service shuts down cleanly on SIGTERM', async (t) => {
  const child = spawn(process.execPath, ['src/main.ts'], {
    env: {
      ...inheritedEnv(),
      NODE_ENV: 'test',
      PORT: '0',
      LOG_LEVEL: 'info',
      ...testServiceEnv(testDatabaseUri('sigterm')),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  const listening = new Promise<void>((done) =>
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('"msg":"listening"')) done();
    }),
  );
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  await listening;
  const port = JSON.parse(stdout.split('\n').find((line) => line.includes('"msg":"listening"')) ?? '{}').port as number;
  t.is((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  child.kill('SIGTERM');
  t.is(await exited, 0);
  t.regex(stdout, /"signal":"SIGTERM".*"msg":"shutting down"/);
  await t.throwsAsync(fetch(`http://127.0.0.1:${port}/healthz`), undefined, 'no longer listening');
});

/** Connects as soon as `port` accepts, sends a request on that first connection and reads its status line. */
async function firstAnswer(port: number, path: string): Promise<string> {
  for (;;) {
    const socket = await new Promise<Socket | undefined>((done) => {
      const s = connect({ port, host: '127.0.0.1' }, () => done(s));
      s.once('error', () => done(undefined));
    });
    if (!socket) {
      await new Promise((r) => setTimeout(r, 1));
      continue;
    }
    socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    const answer = await new Promise<string>((done) => {
      let text = '';
      const timer = setTimeout(() => done(text), 30_000);
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      socket.once('close', () => {
        clearTimeout(timer);
        done(text);
      });
    });
    socket.destroy();
    return answer;
  }
}

test('the demo front end answers a request sent the moment its port opens with 503 until it is ready, then serves it', async (t) => {
  // Its issuer answers discovery only when the test says so: the front end is caught mid-start.
  let release: () => void = () => undefined;
  const released = new Promise<void>((done) => {
    release = done;
  });
  const issuer = createServer(async (_req, res) => {
    await released;
    const base = `http://127.0.0.1:${(issuer.address() as AddressInfo).port}`;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        issuer: base,
        authorization_endpoint: `${base}/auth`,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/jwks`,
      }),
    );
  });
  await new Promise<void>((done) => issuer.listen(0, '127.0.0.1', done));
  const port = await freePort();
  const starting = startDemoFrontend({
    issuer: `http://127.0.0.1:${(issuer.address() as AddressInfo).port}`,
    tenantId: 'demo-univ',
    clientId: 'demo',
    clientSecret: 'demo-secret-not-used',
    port,
  });
  try {
    const answer = await firstAnswer(port, '/');
    t.regex(answer, /^HTTP\/1\.1 503/, 'answered at once, not left waiting');
    t.regex(answer, /retry-after: 1/i);
    release();
    const frontend = await starting;
    t.is((await fetch(`${frontend.url}/`)).status, 200);
    await frontend.stop();
  } finally {
    release();
    issuer.close();
  }
});
