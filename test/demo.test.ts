import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { loadConfig } from '../src/config/load.ts';
import { freePort } from '../src/dev/free-port.ts';
import { STUDENTS } from '../src/dev/simplesamlphp.ts';
import { createLogger } from '../src/log.ts';
import { type RunningService, startService } from '../src/service.ts';
import { Applicant } from './helpers/applicant.ts';
import { Browser, browserFetch, formAction, inputValue } from './helpers/browser.ts';
import { testStore } from './helpers/run.ts';
import { signInAtUniversity } from './helpers/saml-student.ts';
import { testDatabaseUri } from './helpers/service.ts';

let service: RunningService;
let credentialsFile: string;

test.before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cert-idp-demo-'));
  credentialsFile = join(dir, 'demo.json');
  const database = testDatabaseUri('demo');
  const config = loadConfig(
    { NODE_ENV: 'development' },
    {
      port: 0,
      keysDir: join(dir, 'keys'),
      logLevel: 'silent',
      mongodb: { uri: database },
      // The test store, not the embedded one at the development port another process may own and stop.
      redis: testStore(database),
      mail: { smtpUrl: `smtp://127.0.0.1:${await freePort()}` },
      demo: { credentialsFile, frontendPort: 0 },
    },
  );
  service = await startService(config, createLogger('silent'));
});
test.after.always(() => service?.stop());

test('a newcomer starts the service in development and gets a demo university, relying party, graduate and staff member', async (t) => {
  const saved = JSON.parse(readFileSync(credentialsFile, 'utf8'));
  t.is(saved.clientId, 'demo-certificate-frontend');
  t.is(saved.clientSecret, service.demo?.clientSecret);
  t.is(service.demo?.mailbox, `${service.issuer}/dev/mail`);
  const discovery = (await (await browserFetch(`${service.issuer}/.well-known/openid-configuration`)).json()) as {
    issuer: string;
  };
  t.is(discovery.issuer, service.issuer);
  const staffLogin = await browserFetch(`${service.issuer}/t/demo-univ/staff/login`);
  t.is(staffLogin.status, 200);
});

test('in development, mail is caught and readable at /dev/mail, so the demo application can be followed with no mail server', async (t) => {
  const person = new Applicant({ issuer: service.issuer }, 'demo-univ');
  const form = await person.open();
  t.regex(form.html, /デモ大学 メールアドレス設定/);
  await person.requestMail('newcomer@example.com');
  let page = '';
  for (let i = 0; i < 100 && !page.includes('newcomer@example.com'); i++) {
    await new Promise((r) => setTimeout(r, 50));
    page = await (await browserFetch(`${service.issuer}/dev/mail`)).text();
  }
  t.regex(page, /【デモ大学】メールアドレスの確認/);
  const link = page.match(/<a href="(http[^"]+\/verify\/[^"]+)"/)?.[1] as string;
  const terms = await person.browser.get(link);
  t.regex((await terms.response?.text()) ?? '', /第1条（目的）/);
});

test('a newcomer logs in at the demo certificate front end and sees the printing destination page', async (t) => {
  const frontend = service.frontendUrl as string;
  t.truthy(frontend);
  // Issue 28 item 1: "log in here" in the approval mail leads to the certificate service, not a dead end.
  const fromMail = await new Browser().request(`${service.issuer}/t/demo-univ/login`);
  t.is(fromMail.headers.get('location'), `${frontend}/login`);
  const browser = new Browser();
  const login = await browser.get(`${frontend}/login`);
  const page = (await login.response?.text()) ?? '';
  // The demo university has both logins when SimpleSAMLphp is installed (as it is for the tests).
  t.regex(page, /デモ大学 ログイン/);
  t.regex(page, /卒業生の方/);
  const result = await browser.postForm(new URL(formAction(page, '/login'), login.url).href, {
    _csrf: inputValue(page, '_csrf'),
    email: 'taro.yamada@example.com',
    password: 'DemoPass2026',
    secondPassword: 'Second2026',
  });
  t.is(result.url, `${frontend}/destination`);
  const destination = (await result.response?.text()) ?? '';
  t.regex(destination, /印刷先選択/);
  t.regex(destination, /前回ログイン日時/);
  t.regex(destination, /<option value="20A1234">/);
  const studentIdLink = `${service.issuer}/t/demo-univ/account/student-id?lang=ja&client_id=demo-certificate-frontend`;
  t.true(destination.includes(`href="${studentIdLink.replace('&', '&amp;')}"`), 'the menu links to the account pages');
  // The account page the menu opens leads back to the front end.
  const accountPage = await browser.page(studentIdLink);
  t.true(
    accountPage.html.includes(`<a href="${frontend}/destination">← デモ証明書発行サービスへ戻る</a>`),
    'the way back in Japanese',
  );
  const englishAccount = await browser.page(studentIdLink.replace('lang=ja', 'lang=en'));
  t.true(
    englishAccount.html.includes(`<a href="${frontend}/destination">← Back to Demo certificate front end</a>`),
    'and in English',
  );

  const english = await browser.get(`${frontend}/destination?lang=en`);
  t.regex((await english.response?.text()) ?? '', /Select printing destination/);

  const logout = await browser.get(`${frontend}/logout`);
  const confirm = (await logout.response?.text()) ?? '';
  const action = confirm.match(/<form id="op\.logoutForm"[^>]*action="([^"]+)"/)?.[1] as string;
  const done = await browser.postForm(new URL(action, logout.url).href, { xsrf: inputValue(confirm, 'xsrf'), logout: 'yes' });
  t.is(done.url, `${frontend}/`);
  t.regex((await done.response?.text()) ?? '', /href="\/login"/, 'logged out at the front end too');
});

test('in development, a demo student signs in at the demo university sign-in and is asked for a mail address', async (t) => {
  if (!service.frontendUrl) return t.fail('the demo front end did not start');
  const browser = new Browser();
  const login = await browser.page(`${service.frontendUrl}/login`);
  const path = login.html.match(/href="(\/interaction\/[^"]+\/saml\/campus)"/)?.[1];
  t.truthy(path, 'the demo login page offers the university sign-in');
  const [student] = STUDENTS as [(typeof STUDENTS)[0]];
  const page = await signInAtUniversity(browser, new URL(path as string, login.url).href, student);
  t.regex(page.html, /<h1>メールアドレス設定<\/h1>/);
});
