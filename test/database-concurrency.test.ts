import test from 'ava';
import type * as oidc from 'openid-client';
import { addFederation } from '../src/admin/federations.ts';
import { pingDatabase } from '../src/db/connection.ts';
import { type Federation, FederationModel } from '../src/db/models/federation.ts';
import { keyPair, memberIdps, signedAggregate, startFederationServer } from './helpers/federation.ts';
import { completeLogin, relyingParty } from './helpers/relying-party.ts';
import { runScript } from './helpers/run.ts';
import { addGraduate, seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { eventually } from './helpers/wait.ts';

// Issue 24: FerretDB 1.24 stopped answering for good when the service's refresh of a large federation
// wrote its IdPs while operator commands started beside it (each creating every collection and index)
// and logins went on. Each round here does all of that at once; the database must answer throughout.
let service: TestService;
let rp: oidc.Configuration;

test.before(async () => {
  service = await startTestService('db-concurrency', { saml: { federationPollSeconds: 1 } });
  const university = await seedUniversity(service);
  rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
});
test.after.always(() => service?.stop());

const cli = (...args: string[]) =>
  runScript('src/cli/main.ts', args, { NODE_ENV: 'test', MONGODB_URI: service.config.mongodb.uri as string });

/** Logins, one after another, until `until` settles. */
async function keepLoggingIn(credentials: Awaited<ReturnType<typeof addGraduate>>, until: Promise<unknown>) {
  let done = false;
  until.finally(() => {
    done = true;
  });
  let count = 0;
  while (!done) {
    await completeLogin(rp, credentials);
    count++;
  }
  return count;
}

test('the database answers while a large federation is refreshed again, operators run commands and people log in, round after round', async (t) => {
  t.timeout(600_000);
  const [federationKey, idpKey] = await Promise.all([keyPair('federation'), keyPair('idp')]);
  const server = await startFederationServer();
  const graduates = await Promise.all([1, 2, 3, 4].map((i) => addGraduate(service, `concurrent${i}@example.com`)));
  // Every round renames every IdP, so every stored IdP is written again (the writes that hung).
  const publish = (round: number) =>
    server.publish(
      signedAggregate(
        memberIdps(1000, idpKey.certificate, { names: { ja: `大学 ${round}`, en: `University ${round}` } }),
        federationKey,
      ),
    );
  const indexes = await cli('db', 'indexes');
  t.regex(indexes.stdout, /every index is in place; none created/, 'an operator command sends no DDL once the service has run');
  try {
    publish(0);
    await addFederation({ id: 'big', source: server.url, certificates: [federationKey.certificate], refreshMinutes: 600 });
    const first = await eventually(
      async () => (await FederationModel.findById('big').lean<Federation>()) as Federation,
      (f) => Boolean(f?.acceptedAt || f?.lastError),
      240_000,
    );
    t.is(first.idpCount, 1000, "the service's own refresh stored the IdPs");
    for (let round = 1; round <= 3; round++) {
      publish(round);
      // The operator refreshes from the CLI beside the running service while other commands start.
      const commands = Promise.all([
        cli('federation', 'refresh', '--id', 'big'),
        ...[0, 1, 2, 3, 4].map((i) => cli(i % 2 ? 'tenant' : 'federation', 'list')),
      ]);
      const logins = Promise.all(graduates.map((g) => keepLoggingIn(g, commands)));
      const results = await commands;
      t.deepEqual(
        results.map((r) => r.code),
        [0, 0, 0, 0, 0, 0],
        `round ${round}: every operator command finished: ${results.map((r) => r.stderr).join(' ')}`,
      );
      t.regex(results[0]?.stdout ?? '', /accepted: 1000 IdPs \(1000 written/);
      t.true(
        (await logins).every((count) => count > 0),
        `round ${round}: logins went on`,
      );
      t.true(await pingDatabase(5000), `round ${round}: the database still answers`);
    }
  } finally {
    await server.stop();
  }
});
