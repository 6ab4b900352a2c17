import test from 'ava';
import { AccountModel } from '../src/db/models/account.ts';
import { OneTimeTokenModel } from '../src/db/models/one-time-token.ts';
import { parseMailAddress } from '../src/mail/address.ts';
import { Applicant } from './helpers/applicant.ts';
import { Browser, inputValue } from './helpers/browser.ts';
import { relyingParty, startLogin, submitGraduateLogin } from './helpers/relying-party.ts';
import { runScript } from './helpers/run.ts';
import { GRADUATE, seedUniversity, startTestService, type TestService } from './helpers/service.ts';

// One reading of a mail address wherever one enters: an address holding a character that no mail
// server delivers to as written (control, invisible, bidirectional) is refused beside its field and
// never stored, so a one-time URL can only be bound to the mailbox that received it.

const UNUSABLE = {
  'a NUL': 'taro\u0000@example.com',
  'a BEL': 'taro\u0007@example.com',
  'a right-to-left override': 'taro\u202e@example.com',
  'a zero-width space': 'ta\u200bro@example.com',
  'a space inside': 'taro yamada@example.com',
  'a line break': 'taro@example.com\nBcc: victim@example.com',
  'a non-ASCII letter': 'tarö@example.com',
};

let service: TestService;

test.before(async () => {
  service = await startTestService('mail-address', { logLevel: 'silent' });
  await seedUniversity(service);
});
test.after.always(() => service?.stop());

test('addresses are read one way: full-width typing and surrounding space are forgiven, case is folded', (t) => {
  t.deepEqual(parseMailAddress('  Taro.Yamada@Example.COM '), { address: 'taro.yamada@example.com' });
  t.deepEqual(parseMailAddress('ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ'), { address: 'taro@example.com' }, 'full-width input');
  t.deepEqual(parseMailAddress('\u3000taro@example.com\u3000'), { address: 'taro@example.com' }, 'ideographic spaces');
  t.deepEqual(parseMailAddress(''), { problem: 'required' });
  t.deepEqual(parseMailAddress('taro@localhost'), { problem: 'format' });
  t.deepEqual(parseMailAddress('"Taro" <taro@example.com>'), { problem: 'characters' });
  t.deepEqual(parseMailAddress(`${'a'.repeat(250)}@example.com`), { problem: 'length' });
  for (const [what, address] of Object.entries(UNUSABLE)) {
    t.deepEqual(parseMailAddress(address), { problem: 'characters' }, what);
  }
});

test('an applicant who types an address with a control or invisible character is told beside the field, keeps what was typed, and no URL is issued', async (t) => {
  for (const [what, address] of Object.entries(UNUSABLE)) {
    const page = await new Applicant(service).requestMail(address);
    t.is(page.status, 400, what);
    // A C0 or C1 control is refused for every field at the form boundary (X3.3); the rest by the address reader.
    t.regex(page.html, /メールアドレスに使えない文字が含まれています|使用できない文字（制御文字）が含まれています/, what);
    t.regex(page.html, /id="email"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="email"/, `${what}: marked on the field`);
  }
  const kept = await new Applicant(service).requestMail('taro yamada@example.com');
  t.is(inputValue(kept.html, 'email'), 'taro yamada@example.com', 'what was typed is kept');
  t.is(await OneTimeTokenModel.countDocuments({ email: /taro/ }), 0, 'no one-time URL for any of them');
});

test('the login and forgotten-password forms refuse such an address beside the field, not as a failed login', async (t) => {
  const university = await seedUniversity(service, 'address-univ');
  const rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
  const login = await submitGraduateLogin(await startLogin(rp), { ...GRADUATE, email: `${GRADUATE.email}\u0000` });
  t.is(login.status, 400);
  t.regex(login.page, /使用できない文字（制御文字）が含まれています/);

  const browser = new Browser();
  const reset = `${service.issuer}/t/address-univ/password-reset`;
  const sent = await browser.submit(reset, await browser.page(reset), { email: 'hanako\u202e@example.com' });
  t.is(sent.status, 400);
  t.regex(sent.html, /メールアドレスに使えない文字が含まれています/);
});

test('an operator importing a graduate with such an address is refused with the reason, and nothing is created', async (t) => {
  const result = await runScript(
    'src/cli/main.ts',
    ['account', 'create-graduate', '--tenant', 'test-univ', '--email', 'jiro\u202e@example.com', '--name-kanji', '山田 次郎'],
    { NODE_ENV: 'test', MONGODB_URI: service.config.mongodb.uri as string },
  );
  t.is(result.code, 1);
  t.regex(result.stderr, /is not a usable mail address: it holds a control, invisible or non-ASCII character/);
  t.is(await AccountModel.countDocuments({ email: /jiro/ }), 0);
});
