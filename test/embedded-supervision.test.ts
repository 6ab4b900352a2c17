import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import test from 'ava';
import type * as oidc from 'openid-client';
import { throwAwayDataDir } from '../src/db/embedded.ts';
import { freePort } from '../src/dev/free-port.ts';
import { registry } from '../src/metrics.ts';
import { relyingParty, startLogin, submitGraduateLogin } from './helpers/relying-party.ts';
import { addGraduate, GRADUATE, REDIRECT_URI, seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { eventually } from './helpers/wait.ts';

// Issue 24: the service watches the embedded FerretDB and PostgreSQL it started, and starts them again.
let service: TestService;
let rp: oidc.Configuration;
const dataDir = throwAwayDataDir('cert-idp-supervised-db-');

test.before(async () => {
  service = await startTestService('supervision', {
    logLevel: 'fatal',
    mongodb: { uri: null, serverSelectionTimeoutMs: 1000 },
    embeddedDb: { port: await freePort(), dataDir, watchSeconds: 0.5, hangSeconds: 3 },
  });
  const university = await seedUniversity(service);
  rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
});
test.after.always(() => service?.stop());

/** The fields of the audit log's table that have a GIN twin, each on a line. */
const TWINS_OF_AUDIT = `SELECT substring(indexdef FROM '_jsonb -> ''([^'']+)''') FROM pg_indexes
  WHERE tablename LIKE 'audit%' AND indexdef LIKE '%USING gin%'`;

const pids = () => service.embedded?.pids() as { ferretdb: number; postgres: number };

async function restarts(process: string, reason: string): Promise<number> {
  const metric = await registry.getSingleMetric('cert_idp_embedded_db_restarts_total')?.get();
  return metric?.values.find((v) => v.labels.process === process && v.labels.reason === reason)?.value ?? 0;
}

/** Waits until the service answers /readyz 200 again, with `which` served by a new process. */
async function backAgain(which: 'ferretdb' | 'postgres', before: number) {
  return eventually(
    async () => {
      const status = await fetch(`${service.issuer}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      return { status, pid: pids()[which] };
    },
    (now) => now.status === 200 && now.pid !== before,
    120_000,
  );
}

/** A person who opened the login page before the fault finishes logging in after it. */
async function loginStartedBefore(fault: () => void, credentials = GRADUATE) {
  const login = await startLogin(rp);
  fault();
  return async () => submitGraduateLogin(login, credentials);
}

test.serial(
  'the embedded FerretDB runs Go’s collector at a quarter of its default pace, on one processor (less CPU per command)',
  (t) => {
    const environment = readFileSync(`/proc/${pids().ferretdb}/environ`, 'utf8').split('\0');
    t.true(environment.includes('GOGC=400'));
    t.true(environment.includes('GOMAXPROCS=1'));
  },
);

test.serial('the embedded database keeps an index twin for what is looked up by equality, none for times and patterns', (t) => {
  // The cluster's socket directory and programs, as its postmaster was started with them.
  const postmaster = pids().postgres;
  const args = readFileSync(`/proc/${postmaster}/cmdline`, 'utf8').split('\0');
  const psql = join(dirname(readlinkSync(`/proc/${postmaster}/exe`)), 'psql');
  const twins = execFileSync(
    psql,
    ['-h', args[args.indexOf('-k') + 1] as string, '-U', 'ferretdb', '-d', 'postgres', '-XqAt', '-c', TWINS_OF_AUDIT],
    { encoding: 'utf8' },
  );
  t.deepEqual(twins.trim().split('\n').sort(), ['_id', 'requestId', 'tenantId']);
});

test.serial('FerretDB killed: the service starts it again by itself and a login begun before finishes', async (t) => {
  const before = pids();
  const counted = await restarts('ferretdb', 'exited');
  const finish = await loginStartedBefore(() => process.kill(before.ferretdb, 'SIGKILL'));
  const back = await backAgain('ferretdb', before.ferretdb);
  t.is(back.status, 200);
  t.is(pids().postgres, before.postgres, 'PostgreSQL kept running');
  t.true((await finish()).url.startsWith(REDIRECT_URI));
  t.is(await restarts('ferretdb', 'exited'), counted + 1);
  t.regex(
    readFileSync(join(dataDir, 'logs', 'ferretdb.log'), 'utf8'),
    /--- .* ferretdb \d+/,
    "FerretDB's output is kept in a file",
  );
});

test.serial(
  'FerretDB hung (stopped): the service saves its goroutine dump, restarts it, and a login begun before finishes',
  async (t) => {
    const before = pids();
    const finish = await loginStartedBefore(() => process.kill(before.ferretdb, 'SIGSTOP'));
    const back = await backAgain('ferretdb', before.ferretdb);
    t.is(back.status, 200);
    t.true((await finish()).url.startsWith(REDIRECT_URI));
    t.is(await restarts('ferretdb', 'hung'), 1);
    const dumps = readdirSync(join(dataDir, 'dumps'));
    t.is(dumps.length, 1);
    t.regex(readFileSync(join(dataDir, 'dumps', dumps[0] as string), 'utf8'), /goroutine \d+/, 'the dump holds the stacks');
  },
);

test.serial(
  'PostgreSQL killed: the service starts both again, nothing acknowledged is lost, and a login begun before finishes',
  async (t) => {
    const before = pids();
    // Written and acknowledged just before PostgreSQL dies.
    const newcomer = await addGraduate(service, 'acknowledged.before.kill@example.com');
    const finish = await loginStartedBefore(() => process.kill(before.postgres, 'SIGKILL'));
    const back = await backAgain('postgres', before.postgres);
    t.is(back.status, 200);
    // The new FerretDB can answer a moment before the supervisor records its process.
    const ferretdb = await eventually(
      async () => pids().ferretdb,
      (pid) => pid !== before.ferretdb,
      30_000,
    );
    t.not(ferretdb, before.ferretdb, 'FerretDB started again on the new PostgreSQL');
    t.true((await finish()).url.startsWith(REDIRECT_URI));
    const again = await submitGraduateLogin(await startLogin(rp), newcomer);
    t.true(again.url.startsWith(REDIRECT_URI), 'the account written just before is there');
    t.is(await restarts('postgres', 'exited'), 1);
    t.true(existsSync(join(dataDir, 'logs', 'postgres.log')));
  },
);
