import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createGraduate, parseName, parseStudentId } from '../../src/admin/accounts.ts';
import { registerClient } from '../../src/admin/clients.ts';
import { configureTenant, createTenant } from '../../src/admin/tenants.ts';
import { deepMerge, loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { MailModel } from '../../src/db/models/mail.ts';
import { freePort } from '../../src/dev/free-port.ts';
import { createLogger } from '../../src/log.ts';
import { SecretHasher } from '../../src/security/secrets.ts';
import { type RunningService, startService } from '../../src/service.ts';
import { inheritedEnv, testStore } from './run.ts';
import { recipients, type SmtpSink, startSmtpSink } from './smtp-sink.ts';
import { eventually } from './wait.ts';

/** A database of its own on the test server started by scripts/with-test-services.ts. */
export function testDatabaseUri(name: string): string {
  const base = process.env.TEST_MONGODB_URI;
  if (!base) throw new Error('TEST_MONGODB_URI is not set: run the tests with "npm test"');
  const url = new URL(base);
  url.pathname = `/${name}-${randomBytes(4).toString('hex')}`;
  return url.href;
}

export function testConfig(name: string, overrides: Record<string, unknown> = {}): Config {
  const uri = testDatabaseUri(name);
  return loadConfig(
    { NODE_ENV: 'test' },
    deepMerge(
      { port: 0, keysDir: mkdtempSync(join(tmpdir(), 'cert-idp-keys-')), mongodb: { uri }, redis: testStore(uri) },
      overrides,
    ),
  );
}

/** A logger whose JSON lines are kept in `lines`, as an operator's log store keeps the service's. */
export function capturingLogger(level: string): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { logger: createLogger(level, sink), lines };
}

export interface TestService extends RunningService {
  config: Config;
  smtp: SmtpSink;
  hasher: SecretHasher;
}

/** The real service, in this process, on a free port, with its own database and SMTP sink. */
export async function startTestService(
  name: string,
  overrides: Record<string, unknown> = {},
  logger?: ReturnType<typeof createLogger>,
): Promise<TestService> {
  const smtp = await startSmtpSink();
  const config = testConfig(name, deepMerge({ mail: { smtpUrl: smtp.url } }, overrides));
  const service = await startService(config, logger ?? createLogger(config.logLevel));
  return {
    ...service,
    config,
    smtp,
    hasher: new SecretHasher(config.argon2),
    async stop() {
      await service.stop();
      await smtp.stop();
    },
  };
}

/**
 * How many mails to addresses `to` matches (with a subject `subject` matches) the service wrote. A mail
 * stays in the outbox until the SMTP server took it, then is only at the sink (src/mail/worker.ts
 * deletes it), so this waits until none is pending and counts both. Not for a held mail (it is pending).
 */
export async function mailsWritten(service: TestService, to: string | RegExp, subject: RegExp = /(?:)/): Promise<number> {
  await eventually(
    () => MailModel.countDocuments({ to, status: 'pending' }),
    (pending) => pending === 0,
  );
  const kept = await MailModel.countDocuments({ to, subject });
  const matches = (address: string) => (typeof to === 'string' ? address === to : to.test(address));
  return kept + service.smtp.messages.filter((m) => matches(recipients(m)) && subject.test(m.subject ?? '')).length;
}

export const GRADUATE = {
  email: 'hanako.sato@example.com',
  password: 'Hanako2026pass',
  secondPassword: 'Second2026x',
};

export const REDIRECT_URI = 'http://127.0.0.1:9999/callback';

/** A university with a confidential and a public relying party and one graduate. */
export async function seedUniversity(service: TestService, tenantId = 'test-univ') {
  await createTenant({
    id: tenantId,
    nameJa: 'テスト大学',
    nameEn: 'Test University',
    inquiryJa: 'テスト大学 教務課',
    inquiryEn: 'Test University Academic Affairs',
  });
  await configureTenant(tenantId, {
    loginUrl: 'https://cert.test-univ.example/login',
    terms: { ja: '第1条 本サービスは卒業生のためのものです。', en: 'Article 1. This service is for graduates.' },
    catalogue: [
      {
        id: 'sci-phys',
        university: { ja: 'テスト大学', en: 'Test University' },
        department: { ja: '理学部', en: 'Faculty of Science' },
        subject: { ja: '物理学科', en: 'Physics' },
      },
      {
        id: 'let-jpn',
        university: { ja: 'テスト大学', en: 'Test University' },
        department: { ja: '文学部', en: 'Faculty of Letters' },
        subject: { ja: '日本文学科', en: 'Japanese Literature' },
      },
    ],
  });
  const confidential = await registerClient({
    tenantId,
    name: 'Certificate front end',
    redirectUris: [REDIRECT_URI],
    postLogoutRedirectUris: ['http://127.0.0.1:9999/'],
  });
  const pub = await registerClient({ tenantId, name: 'Mobile app', public: true, redirectUris: [REDIRECT_URI] });
  const accountId = await createGraduate(service.hasher, {
    tenantId,
    ...GRADUATE,
    name: {
      kanji: parseName('佐藤 花子', 'name'),
      kana: parseName('サトウ ハナコ', 'name'),
      roman: parseName('SATO Hanako', 'name'),
    },
    birthdate: '1999-05-06',
    studentIds: [parseStudentId('19B0042:Test University:Faculty of Science:Physics:2021-03:graduated')],
  });
  return {
    tenantId,
    accountId,
    client: { id: confidential.clientId, secret: confidential.clientSecret as string },
    publicClient: { id: pub.clientId },
  };
}

/** Another graduate of the test university (鈴木 一郎), with both passwords set; returns the credentials. */
export async function addGraduate(service: TestService, email: string) {
  const credentials = { email, password: 'Account2026pw', secondPassword: 'Second2026ac' };
  await createGraduate(service.hasher, {
    tenantId: 'test-univ',
    ...credentials,
    name: {
      kanji: parseName('鈴木 一郎', 'name'),
      kana: parseName('スズキ イチロウ', 'name'),
      roman: parseName('SUZUKI Ichiro', 'name'),
    },
    birthdate: '1992-02-02',
    studentIds: [],
  });
  return credentials;
}

export interface SecondInstance {
  /** Its base URL: the same issuer, on its own port. */
  url: string;
  port: number;
  stop(): void;
}

/**
 * Another instance of `first`'s service, as a load balancer would run it: a process of its own
 * (src/main.ts) with the same issuer, database and KEYS_DIR, and `env` added; resolves once it listens.
 */
export async function startSecondInstance(first: TestService, env: Record<string, string> = {}): Promise<SecondInstance> {
  const port = await freePort();
  const child = spawn(process.execPath, ['src/main.ts'], {
    env: {
      ...inheritedEnv(),
      NODE_ENV: 'test',
      PORT: String(port),
      ISSUER: first.issuer,
      MONGODB_URI: first.config.mongodb.uri as string,
      REDIS_URL: first.config.redis.url as string,
      REDIS_PREFIX: first.config.redis.prefix,
      KEYS_DIR: first.config.keysDir,
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((done) =>
    child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('"msg":"listening"') && done()),
  );
  return { url: first.issuer.replace(/:\d+$/, `:${port}`), port, stop: () => child.kill('SIGTERM') };
}
