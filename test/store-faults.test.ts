import test from 'ava';
import { type EmbeddedRedis, startEmbeddedRedis } from '../src/db/embedded/redis.ts';
import { portAnswers, throwAwayDataDir } from '../src/db/embedded.ts';
import { freePort } from '../src/dev/free-port.ts';
import { relyingParty, startLogin, submitGraduateLogin } from './helpers/relying-party.ts';
import { GRADUATE, REDIRECT_URI, seedUniversity, startTestService } from './helpers/service.ts';
import { eventually } from './helpers/wait.ts';

test('with the protocol store stopped, logins answer 503 and readiness names it; when it returns the service recovers by itself', async (t) => {
  const dataDir = throwAwayDataDir('cert-idp-store-fault-');
  const port = await freePort();
  const start = () => startEmbeddedRedis({ port, dataDir, throwAway: true });
  let store: EmbeddedRedis = await start();
  const service = await startTestService('store-faults', { logLevel: 'error', redis: { url: store.url, prefix: 'faults:' } });
  try {
    const university = await seedUniversity(service);
    const rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
    t.true((await submitGraduateLogin(await startLogin(rp), GRADUATE)).url.startsWith(REDIRECT_URI));

    await store.stop();
    const page = await fetch(
      `${service.issuer}/auth?client_id=${university.client.id}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent(REDIRECT_URI)}`,
      {
        headers: { accept: 'text/html' },
      },
    );
    t.is(page.status, 503);
    t.is(page.headers.get('retry-after'), '5');
    t.regex(await page.text(), /ただいまサービスを利用できません/);
    const ready = await fetch(`${service.issuer}/readyz`);
    t.is(ready.status, 503);
    t.deepEqual((await ready.json()).reasons, ['protocol-store']);

    store = await start();
    const readyAgain = await eventually(
      async () => (await fetch(`${service.issuer}/readyz`)).status,
      (status) => status === 200,
      30_000,
    );
    t.is(readyAgain, 200, 'recovered by itself');
    t.true((await submitGraduateLogin(await startLogin(rp), GRADUATE)).url.startsWith(REDIRECT_URI), 'logins work again');
  } finally {
    await service.stop();
    await store.stop();
  }
});

test('the embedded protocol store that dies is started again on its port', async (t) => {
  const port = await freePort();
  const store = await startEmbeddedRedis({ port, dataDir: throwAwayDataDir('cert-idp-store-restart-'), throwAway: true });
  try {
    const first = store.pid() as number;
    process.kill(first, 'SIGKILL');
    const again = await eventually(
      async () => ((await portAnswers(port)) ? store.pid() : undefined),
      (pid) => pid !== undefined && pid !== first,
      30_000,
    );
    t.not(again, first, 'a new redis-server answers on the same port');
  } finally {
    await store.stop();
  }
});

test('a second process on the same embedded store keeps it when the first stops and takes its redis-server along', async (t) => {
  const port = await freePort();
  const dataDir = throwAwayDataDir('cert-idp-store-join-');
  const first = await startEmbeddedRedis({ port, dataDir, throwAway: true });
  const second = await startEmbeddedRedis({ port, dataDir, throwAway: true });
  try {
    t.truthy(first.pid());
    t.is(second.pid(), undefined, 'the second joined the first one’s');
    await first.stop();
    const taken = await eventually(
      async () => ((await portAnswers(port)) ? second.pid() : undefined),
      (pid) => pid !== undefined,
      30_000,
    );
    t.truthy(taken, 'the second started its own on the same port');
  } finally {
    await first.stop();
    await second.stop();
  }
});
