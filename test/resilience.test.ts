import test from 'ava';
import * as oidc from 'openid-client';
import { createLogger } from '../src/log.ts';
import { startService } from '../src/service.ts';
import { completeLogin, relyingParty, startLogin, submitGraduateLogin } from './helpers/relying-party.ts';
import { GRADUATE, REDIRECT_URI, seedUniversity, startSecondInstance, startTestService, testConfig } from './helpers/service.ts';

test.serial('a graduate stays logged in across a restart of the service', async (t) => {
  const config = testConfig('restart', { port: 0 });
  const first = await startTestService('restart', { mongodb: config.mongodb, keysDir: config.keysDir });
  const university = await seedUniversity(first);
  const { browser } = await completeLogin(
    await relyingParty(first.issuer, university.client.id, university.client.secret),
    GRADUATE,
  );
  const port = new URL(first.issuer).port;
  await first.stop();

  const again = await startService({ ...first.config, port: Number(port), issuer: first.issuer }, createLogger('silent'));
  try {
    const rp = await relyingParty(again.issuer, university.client.id, university.client.secret);
    const silent = await startLogin(rp, { prompt: 'none' }, browser);
    t.true(silent.pageUrl.startsWith(REDIRECT_URI));
    t.truthy(new URL(silent.pageUrl).searchParams.get('code'), 'the session survived: a code without a login page');
  } finally {
    await again.stop();
  }
});

test.serial('under more load than it takes, the service answers 503 with Retry-After at once, never a crash', async (t) => {
  const service = await startTestService('overload', { maxInFlight: 1 });
  try {
    const university = await seedUniversity(service);
    const rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
    const logins = [];
    for (let i = 0; i < 4; i++) logins.push(await startLogin(rp));
    const results = await Promise.all(logins.map((login) => submitGraduateLogin(login, GRADUATE)));
    const statuses = results.map((r) => r.status ?? 200);
    t.true(statuses.includes(503), `statuses: ${statuses}`);
    t.true(
      statuses.every((s) => s === 503 || s === 200 || s === undefined),
      `no other failure: ${statuses}`,
    );
    const busy = await fetch(`${service.issuer}/healthz`);
    t.is(busy.status, 200, 'health checks pass through');
  } finally {
    await service.stop();
  }
});

test.serial('a login started on one instance finishes on another: they share nothing but the database', async (t) => {
  const first = await startTestService('instances');
  const university = await seedUniversity(first);
  const second = await startSecondInstance(first);
  try {
    const rp = await relyingParty(first.issuer, university.client.id, university.client.secret);
    const login = await startLogin(rp);
    const onSecond = new URL(login.pageUrl);
    onSecond.port = String(second.port);
    const result = await submitGraduateLogin({ ...login, pageUrl: onSecond.href }, GRADUATE);
    t.true(result.url.startsWith(REDIRECT_URI), 'the second instance completed the login the first one began');
    const tokens = await oidc.authorizationCodeGrant(rp, new URL(result.url), {
      pkceCodeVerifier: login.verifier,
      expectedState: login.state,
      expectedNonce: login.nonce,
    });
    t.is(tokens.claims()?.email, GRADUATE.email);
  } finally {
    second.stop();
    await first.stop();
  }
});
