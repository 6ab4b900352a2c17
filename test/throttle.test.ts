import test from 'ava';
import type * as oidc from 'openid-client';
import { protocolStore } from '../src/db/protocol-store.ts';
import { Throttle } from '../src/security/throttle.ts';
import { Applicant } from './helpers/applicant.ts';
import { Browser } from './helpers/browser.ts';
import { relyingParty, startLogin, submitGraduateLogin } from './helpers/relying-party.ts';
import { GRADUATE, REDIRECT_URI, seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { recipients } from './helpers/smtp-sink.ts';

let service: TestService;
let rp: oidc.Configuration;

// The limits of config/default.json, not the generous ones the other test files use.
const limits = {
  accountFreeFailures: 3,
  ipFreeFailures: 20,
  baseDelaySeconds: 2,
  maxDelaySeconds: 900,
  windowMinutes: 15,
  mailsPerAddressPerHour: 3,
  mailsPerIpPerHour: 30,
};

/** A throttle key's record as the store holds it (src/security/throttle.ts). */
const record = async (key: string) => {
  const hash = await protocolStore().hgetall(`throttle:${key}`);
  return hash.count ? { count: Number(hash.count), blockedUntil: Number(hash.blockedUntil ?? 0) } : undefined;
};
const waitOver = (key: string) => protocolStore().hset(`throttle:${key}`, 'blockedUntil', Date.now() - 1);
/** Every throttle count of this service, gone. */
async function clearThrottle() {
  const store = protocolStore();
  const prefix = String(store.options.keyPrefix);
  const unprefixed = store.duplicate({ keyPrefix: '' });
  const keys = await unprefixed.keys(`${prefix}throttle:*`);
  unprefixed.disconnect();
  if (keys.length) await store.del(...keys.map((key) => key.slice(prefix.length)));
}

test.before(async () => {
  service = await startTestService('throttle', { throttle: limits });
  const university = await seedUniversity(service);
  rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
});
test.after.always(() => service?.stop());

test.serial('after repeated wrong passwords an account waits, even for the right password, and only for a while', async (t) => {
  const wrong = { ...GRADUATE, password: 'Wrong2026pass' };
  for (let i = 0; i < 3; i++) t.is((await submitGraduateLogin(await startLogin(rp), wrong)).status, 401, `free failure ${i + 1}`);
  t.is((await submitGraduateLogin(await startLogin(rp), wrong)).status, 401, 'the fourth failure starts the wait');
  const waiting = await submitGraduateLogin(await startLogin(rp), GRADUATE);
  t.is(waiting.status, 429);
  t.regex(waiting.page, /試行が続いたため、\d+秒後にもう一度お試しください/);
  const seconds = (((await record(`login:test-univ:${GRADUATE.email}`))?.blockedUntil ?? 0) - Date.now()) / 1000;
  t.true(seconds > 0 && seconds <= 2, 'a short delay, not a lock-out');

  await waitOver(`login:test-univ:${GRADUATE.email}`);
  const after = await submitGraduateLogin(await startLogin(rp), GRADUATE);
  t.true(after.url.startsWith(REDIRECT_URI), 'the right password works once the wait is over');
  t.is(await record(`login:test-univ:${GRADUATE.email}`), undefined, 'success clears the count');
});

test.serial('each further failure doubles the wait, up to the ceiling', async (t) => {
  const key = 'login:test-univ:nobody@example.com';
  const waits: number[] = [];
  for (let i = 0; i < 6; i++) {
    await waitOver(key);
    await submitGraduateLogin(await startLogin(rp), {
      email: 'nobody@example.com',
      password: 'Wrong2026pass',
      secondPassword: 'x',
    });
    // The delay was set a moment before the answer arrived: whole seconds, rounded up from then.
    const answered = Date.now();
    waits.push(Math.max(0, Math.ceil((((await record(key))?.blockedUntil ?? 0) - answered) / 1000)));
  }
  t.deepEqual(waits, [0, 0, 0, 2, 4, 8]);
});

test.serial('one client address guessing across many accounts is slowed down as a whole', async (t) => {
  await clearThrottle();
  for (let i = 0; i < 20; i++) {
    await submitGraduateLogin(await startLogin(rp), {
      email: `guess${i}@example.com`,
      password: 'Guess2026pass',
      secondPassword: 'x',
    });
  }
  const next = await submitGraduateLogin(await startLogin(rp), {
    email: 'guess-final@example.com',
    password: 'Guess2026pass',
    secondPassword: 'x',
  });
  t.is(next.status, 401, 'the twentieth failure from the address starts the wait');
  const blocked = await submitGraduateLogin(await startLogin(rp), GRADUATE);
  t.is(blocked.status, 429);
  await clearThrottle();
});

test.serial('asking again and again for mail to one address sends only a few, with the same answer each time', async (t) => {
  await clearThrottle();
  const address = 'bombed@example.com';
  for (let i = 0; i < 5; i++) {
    const sent = await new Applicant(service).requestMail(address);
    t.regex(sent.url, /\/apply\/sent$/);
  }
  const toAddress = () => service.smtp.messages.filter((m) => recipients(m) === address).length;
  for (let i = 0; i < 200 && toAddress() < 3; i++) await new Promise((r) => setTimeout(r, 25));
  // Give the outbox a moment in which any further mail would have been sent.
  await new Promise((r) => setTimeout(r, 500));
  t.is(service.smtp.messages.filter((m) => recipients(m) === address).length, 3);
});

test.serial('a client trying many one-time URLs is made to wait', async (t) => {
  await clearThrottle();
  const browser = new Browser();
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) {
    const response = await browser.request(
      `${service.issuer}/t/test-univ/apply/verify/${'A'.repeat(42)}${String.fromCharCode(65 + i)}`,
    );
    statuses.push(response.status);
  }
  t.true(statuses.slice(0, 10).every((s) => s === 404));
  t.is(statuses.at(-1), 429);
});

test.serial('failures arriving at the same moment for a new key are all taken and all counted', async (t) => {
  const throttle = new Throttle(service.config.throttle);
  await t.notThrowsAsync(Promise.all(Array.from({ length: 10 }, () => throttle.fail('race:key', 3))));
  t.is((await record('race:key'))?.count, 10, 'every one counted');
});
