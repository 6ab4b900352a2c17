import test from 'ava';
import { passwordProblems } from '../src/credentials/password-policy.ts';
import { Browser } from './helpers/browser.ts';
import { addGraduate, seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { recipients } from './helpers/smtp-sink.ts';

// Requirement X3.5 (NIST SP 800-63B 5.1.1.2): no common or breached password, not the address's local part.
test('a password that meets the manual rules but is common or breached is refused; an uncommon one passes', (t) => {
  for (const common of ['Password1', 'Welcome1', 'Passw0rd', 'Qwerty123', 'Abc12345']) {
    t.deepEqual(passwordProblems(common), ['common'], common);
  }
  t.deepEqual(passwordProblems('Hanako2026pass'), []);
});

test("a password equal to the mail address's local part is refused, whatever its case", (t) => {
  t.deepEqual(passwordProblems('Yamada1990t', { email: 'yamada1990t@example.com' }), ['mailAddress']);
  t.deepEqual(passwordProblems('Yamada1990t', { email: 'other@example.com' }), []);
});

let service: TestService;
test.before(async () => {
  service = await startTestService('password-rules');
  await seedUniversity(service);
});
test.after.always(() => service?.stop());

test('a graduate resetting the passwords is told beside each field why Password1 and the address are refused', async (t) => {
  const graduate = await addGraduate(service, 'Kenji1985x@example.com');
  const browser = new Browser();
  const start = `${service.issuer}/t/test-univ/password-reset`;
  await browser.submit(start, await browser.page(start), { email: graduate.email });
  const mail = await service.smtp.waitFor((m) => recipients(m) === graduate.email.toLowerCase());
  const url = (mail.text ?? '').match(/(http\S+\/password-reset\/\S+)/)?.[1] as string;
  const page = await browser.submit(url, await browser.page(url), {
    password: 'Password1',
    passwordConfirm: 'Password1',
    secondPassword: 'Kenji1985x',
    secondPasswordConfirm: 'Kenji1985x',
  });
  t.is(page.status, 400);
  t.regex(page.html, /id="password-error"[\s\S]*?よく使われている、または流出したことが知られているパスワードです/);
  t.regex(page.html, /id="secondPassword-error"[\s\S]*?メールアドレスの「@」より前の部分と同じものは使えません/);
  t.false(page.html.includes('Password1'), 'the typed password is not sent back');
});
