import test from 'ava';
import type * as oidc from 'openid-client';
import { AccountModel } from '../src/db/models/account.ts';
import { AuditModel } from '../src/db/models/audit.ts';
import { PasskeyModel } from '../src/db/models/passkey.ts';
import { inputValue } from './helpers/browser.ts';
import { completeLogin, relyingParty, startLogin } from './helpers/relying-party.ts';
import { addGraduate, REDIRECT_URI, seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { recipients } from './helpers/smtp-sink.ts';
import { SoftwareAuthenticator } from './helpers/software-authenticator.ts';

// Issue 23, item 10: a passkey whose counter does not move forward is noticed, not silently refused.
let service: TestService;
let rp: oidc.Configuration;

test.before(async () => {
  service = await startTestService('passkey-clone');
  const university = await seedUniversity(service);
  rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
});
test.after.always(() => service?.stop());

async function register(email: string, name: string) {
  const graduate = await addGraduate(service, email);
  const account = await AccountModel.findOne({ email }).lean();
  const authenticator = new SoftwareAuthenticator();
  await PasskeyModel.create({
    _id: authenticator.id,
    tenantId: 'test-univ',
    owner: 'account',
    accountId: account?._id.toString(),
    publicKey: authenticator.publicKey(),
    name,
  });
  return { graduate, authenticator };
}

/** A passkey login at the relying party, answered by `authenticator` with signature counter `counter`. */
async function passkeyLogin(authenticator: SoftwareAuthenticator, counter: number) {
  const login = await startLogin(rp);
  const path = login.page.match(/data-passkey-options="([^"]+)"/)?.[1] as string;
  const options = (await (await login.browser.get(new URL(path, login.pageUrl).href)).response?.json()) as { challenge: string };
  const answer = authenticator.answer(options.challenge, new URL(service.issuer).origin, counter);
  const action = new URL(path.replace(/\/options$/, ''), login.pageUrl).href;
  const result = await login.browser.postForm(
    action,
    { _csrf: inputValue(login.page, '_csrf'), response: JSON.stringify(answer) },
    REDIRECT_URI,
  );
  return { url: result.url, status: result.response?.status, html: (await result.response?.text()) ?? '' };
}

test('a clone used first is noticed when the genuine passkey answers: suspended, audited, mailed, and the page says how to go on', async (t) => {
  const { graduate, authenticator } = await register('clone.victim@example.com', 'iPhone');
  t.true((await passkeyLogin(authenticator, 5)).url.startsWith(REDIRECT_URI), 'the genuine device logs in');
  t.true((await passkeyLogin(authenticator, 9)).url.startsWith(REDIRECT_URI), 'a clone, used first, logs in once');

  const genuine = await passkeyLogin(authenticator, 6);
  t.is(genuine.status, 403);
  t.regex(genuine.html, /複製された可能性があるため使用を停止しました。パスワードと第2パスワードでログインし/);
  t.truthy((await PasskeyModel.findById(authenticator.id).lean())?.suspendedAt);
  const audited = await AuditModel.findOne({ event: 'passkey.suspended' }).lean();
  t.like(audited?.detail, { stored: 9, answered: 6 });
  const mail = await service.smtp.waitFor(
    (m) => recipients(m) === graduate.email && /パスキーの使用を停止しました/.test(m.subject ?? ''),
  );
  t.regex(mail.text ?? '', /「iPhone」[\s\S]*（日本時間）|（日本時間）[\s\S]*「iPhone」/);

  const later = await passkeyLogin(authenticator, 20);
  t.is(later.status, 403, 'a suspended passkey stays refused, whatever it answers');
  const withPasswords = await completeLogin(rp, graduate);
  t.truthy(withPasswords.tokens.access_token, 'the passwords still log in');
});

test('a passkey that does not count (always 0, as synced passkeys) is not taken for a clone', async (t) => {
  const { authenticator } = await register('synced.passkey@example.com', 'Laptop');
  t.true((await passkeyLogin(authenticator, 0)).url.startsWith(REDIRECT_URI));
  t.true((await passkeyLogin(authenticator, 0)).url.startsWith(REDIRECT_URI));
  t.falsy((await PasskeyModel.findById(authenticator.id).lean())?.suspendedAt);
});

test('removing a passkey is asked first, naming it; only the confirmation removes it (issue 28 item 10)', async (t) => {
  const { graduate, authenticator } = await register('remove-asked@example.com', 'Work phone');
  const { browser } = await completeLogin(rp, graduate);
  const url = `${service.issuer}/t/test-univ/account/passkeys`;
  const page = await browser.page(url);
  const asked = await browser.submit(`${url}/${authenticator.id}/remove`, page, {});
  t.regex(asked.html, /パスキー「Work phone」を削除しますか？/);
  t.is(await PasskeyModel.countDocuments({ _id: authenticator.id }), 1, 'nothing removed yet');
  const removed = await browser.submit(`${url}/${authenticator.id}/remove`, asked, { confirmed: 'yes' });
  t.regex(removed.html, /パスキーを削除しました。/);
  t.is(await PasskeyModel.countDocuments({ _id: authenticator.id }), 0);
});
