import test from 'ava';
import type * as oidc from 'openid-client';
import { ApplicationDraftModel } from '../src/db/models/application-draft.ts';
import { TenantModel } from '../src/db/models/tenant.ts';
import { APPLICANT, Applicant } from './helpers/applicant.ts';
import { Browser, formAction, inputValue } from './helpers/browser.ts';
import { completeLogin, relyingParty, startLogin } from './helpers/relying-party.ts';
import { runScript } from './helpers/run.ts';
import {
  addGraduate,
  mailsWritten,
  REDIRECT_URI,
  seedUniversity,
  startTestService,
  type TestService,
} from './helpers/service.ts';

// Requirement X3.3: a control character in any field is refused beside it, never a 5xx, nothing stored.
let service: TestService;
let rp: oidc.Configuration;

test.before(async () => {
  service = await startTestService('control-characters');
  const university = await seedUniversity(service);
  rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
});
test.after.always(() => service?.stop());

const BESIDE = /使用できない文字（制御文字）が含まれています/;

test('an applicant who pastes a NUL into a name is told beside the field, keeps the rest, and the draft is not touched', async (t) => {
  const applicant = new Applicant(service);
  const form = await applicant.openForm('nul.applicant@example.com');
  const draftBefore = await ApplicationDraftModel.findOne({ email: 'nul.applicant@example.com' }).lean();
  const page = await applicant.submitForm(form, { ...APPLICANT, nameKanji: '山田\u0000太郎', city: '千代田区\u0085' });
  t.is(page.status, 400);
  t.regex(page.html, new RegExp(`id="nameKanji-error"[^>]*>${BESIDE.source}`));
  t.regex(page.html, new RegExp(`id="city-error"[^>]*>${BESIDE.source}`), 'a C1 control too');
  t.regex(page.html, /value="山田太郎"/, 'what was typed comes back without the character');
  t.regex(page.html, /value="千代田1-1"/, 'the other fields are kept');
  const draftAfter = await ApplicationDraftModel.findOne({ email: 'nul.applicant@example.com' }).lean();
  t.deepEqual(draftAfter?.values, draftBefore?.values, 'nothing was written');
});

test('the mail address, login, forgotten-password and personal-setting forms refuse control characters the same way', async (t) => {
  const browser = new Browser();
  for (const path of ['/apply', '/password-reset']) {
    const url = `${service.issuer}/t/test-univ${path}`;
    const page = await browser.submit(url, await browser.page(url), {
      email: 'control\u0000typed@example.com',
      emailConfirm: 'control\u0000typed@example.com',
    });
    t.is(page.status, 400, path);
    t.regex(page.html, BESIDE, path);
  }
  // Other tests of this file write mails at the same time: count only what this address could have caused.
  t.is(await mailsWritten(service, /typed@example\.com$/), 0, 'no mail was written');

  const login = await startLogin(rp);
  const action = new URL(formAction(login.page, '/login'), login.pageUrl).href;
  const refused = await login.browser.postForm(
    action,
    { _csrf: inputValue(login.page, '_csrf'), email: 'x@example.com', password: 'pass\u0000word', secondPassword: 'x' },
    REDIRECT_URI,
  );
  t.is(refused.response?.status, 400, 'a login with a NUL is refused as input, not tried');

  const graduate = await addGraduate(service, 'control.personal@example.com');
  const { browser: signedIn } = await completeLogin(rp, graduate);
  const personal = `${service.issuer}/t/test-univ/account/personal`;
  const form = await signedIn.page(personal);
  const result = await signedIn.submit(personal, form, { city: 'ab\u0007c' });
  t.is(result.status, 400);
  t.regex(result.html, BESIDE);
});

test('an operator whose command line carries a control character is told which option, and nothing is created', async (t) => {
  const result = await runScript(
    'src/cli/main.ts',
    ['tenant', 'create', '--id', 'bell-univ', '--name-ja', 'ベル\u0007大学', '--name-en', 'Bell'],
    {
      NODE_ENV: 'test',
      MONGODB_URI: service.config.mongodb.uri as string,
    },
  );
  t.is(result.code, 2);
  t.regex(result.stderr, /--name-ja contains a control character/);
  t.is(await TenantModel.countDocuments({ _id: 'bell-univ' }), 0);
});

test('an applicant who types an emoji into a name is told beside the field what the name takes', async (t) => {
  const applicant = new Applicant(service);
  const form = await applicant.openForm('emoji.applicant@example.com');
  const page = await applicant.submitForm(form, { ...APPLICANT, nameKanji: '検証 花子😀' });
  t.is(page.status, 400);
  t.regex(
    page.html,
    /id="nameKanji-error"[^>]*>申請者氏名は漢字・かな・英字で、姓と名の間に空白を入れて入力してください（絵文字や記号は使えません）。/,
  );
  t.regex(page.html, /value="検証 花子😀"/, 'what was typed is kept to correct');
});
