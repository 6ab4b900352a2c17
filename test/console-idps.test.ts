import test from 'ava';
import { AccountModel } from '../src/db/models/account.ts';
import { AuditModel } from '../src/db/models/audit.ts';
import { SamlIdpModel } from '../src/db/models/saml.ts';
import { type SimpleSamlPhp, STUDENTS, startSimpleSamlPhp } from '../src/dev/simplesamlphp.ts';
import { inputValue } from './helpers/browser.ts';
import { type Landing, postSamlForm } from './helpers/saml-student.ts';
import { seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { StaffMember, type StaffPage } from './helpers/staff.ts';

// Issue 26 item 4: a university's admin registers its SAML sign-in in the console and tries it.
let service: TestService;
let ssp: SimpleSamlPhp;
let admin: StaffMember;
const [TARO] = STUDENTS as [(typeof STUDENTS)[0]];

test.before(async () => {
  service = await startTestService('console-idps');
  ssp = await startSimpleSamlPhp();
  await seedUniversity(service);
  admin = await StaffMember.create(service, 'test-univ', 'admin@test-univ.example', ['admin']);
  await admin.logIn();
});
test.after.always(async () => {
  await ssp?.stop();
  await service?.stop();
});

/** The import form posted as a browser posts it (multipart), with a chosen metadata file if any. */
async function postImport(page: StaffPage, fields: Record<string, string>, file?: string): Promise<StaffPage> {
  const body = new FormData();
  body.set('_csrf', inputValue(page.html, '_csrf'));
  for (const [name, value] of Object.entries(fields)) body.set(name, value);
  if (file !== undefined) body.set('metadataFile', new Blob([file], { type: 'application/xml' }), 'metadata.xml');
  const result = await admin.browser.follow(`${admin.base}/idps`, { method: 'POST', body });
  return { url: result.url, status: result.response?.status, html: (await result.response?.text()) ?? '' };
}

/** The admin presses "try a sign-in", signs in at SimpleSAMLphp as Taro, and lands on the trial page. */
async function trySignIn(page: StaffPage): Promise<Landing> {
  const started = await admin.browser.postForm(`${admin.base}/idps/campus/try`, { _csrf: inputValue(page.html, '_csrf') });
  let landing: Landing = { url: started.url, status: started.response?.status, html: (await started.response?.text()) ?? '' };
  if (landing.html.includes('name="username"')) {
    const fields: Record<string, string> = { username: TARO.username, password: TARO.password };
    if (landing.html.includes('name="AuthState"')) fields.AuthState = inputValue(landing.html, 'AuthState');
    const posted = await admin.browser.postForm(landing.url, fields);
    landing = { url: posted.url, status: posted.response?.status, html: (await posted.response?.text()) ?? '' };
  }
  return postSamlForm(admin.browser, landing);
}

test.serial(
  'an admin registers the university sign-in from its metadata URL and tries a sign-in: the attributes and the student ID show, no account is made',
  async (t) => {
    const list = await admin.get('/idps');
    t.regex(list.html, /大学の認証は登録されていません。/);
    t.true(
      list.html.includes(`<code data-sp-metadata>${service.issuer}/t/test-univ/saml/metadata</code>`),
      'the SP metadata to give the IdP',
    );
    const wrong = await postImport(list, {
      slug: 'Campus!',
      nameJa: '',
      nameEn: 'Campus',
      metadataUrl: '',
      metadataXml: '',
    });
    t.is(wrong.status, 400);
    t.regex(wrong.html, /識別名は半角の英小文字・数字・ハイフン32文字以内で/);
    t.regex(wrong.html, /名称（日本語）を入力してください。/);
    t.regex(wrong.html, /メタデータのURLを入力するか、メタデータを貼り付けてください。/);
    const notMetadata = await postImport(
      wrong,
      { slug: 'campus', nameJa: 'テスト大学統合認証', nameEn: 'Test University SSO', metadataUrl: '', metadataXml: '' },
      '<html><body>a file that is not metadata</body></html>',
    );
    t.is(notMetadata.status, 400);
    t.regex(notMetadata.html, /メタデータを読み込めませんでした/);
    t.is(await SamlIdpModel.countDocuments({ tenantId: 'test-univ' }), 0);

    const imported = await postImport(notMetadata, {
      slug: 'campus',
      nameJa: 'テスト大学統合認証',
      nameEn: 'Test University SSO',
      metadataUrl: ssp.metadataUrl,
      metadataXml: '',
      binding: 'redirect',
    });
    t.true(imported.url.endsWith('/idps/campus?done=imported'));
    t.regex(imported.html, /大学の認証を登録しました。/);
    t.regex(imported.html, /署名証明書の有効期限<\/dt><dd>\d{4}年/);
    ssp.registerSp('test-univ', await (await fetch(`${service.issuer}/t/test-univ/saml/metadata`)).text());

    const trial = await trySignIn(imported);
    t.regex(trial.html, /大学の認証の試行結果/);
    t.regex(trial.html, /この内容の学生はログインできます。/);
    t.regex(trial.html, /<td[^>]*>学籍番号<\/td><td[^>]*><code>studentNumber<\/code><\/td><td[^>]*>A0123456<\/td>/);
    t.regex(trial.html, /<dd>山田<\/dd>/, 'the attributes as they arrived');
    t.is(await AccountModel.countDocuments({ tenantId: 'test-univ', kind: 'student' }), 0, 'no account is made');
    t.like((await AuditModel.findOne({ event: 'staff.idp_tried' }).lean())?.detail, { idp: 'test-univ:campus', outcome: 'ok' });
  },
);

test.serial(
  'a wrong mapping is refused beside its field; a mapping that misses the student ID shows in the next trial',
  async (t) => {
    const page = await admin.get('/idps/campus');
    const refused = await admin.post('/idps/campus/mapping', page, { 'map-studentId': '<script>', affiliations: 'Student!' });
    t.is(refused.status, 400);
    t.regex(refused.html, /<p class="field-error" id="map-studentId-error">属性名を空白区切りで入力してください/);
    t.regex(refused.html, /<p class="field-error" id="affiliations-error">/);
    t.regex(refused.html, /value="&lt;script&gt;"/, 'what was typed stays, escaped');

    const saved = await admin.post('/idps/campus/mapping', refused, {
      'map-studentId': 'employeeNumber',
      affiliations: 'student',
    });
    t.regex(saved.html, /対応付けを保存しました。/);
    const stored = await SamlIdpModel.findById('test-univ:campus').lean();
    t.is(stored?.mapping?.studentId, 'employeeNumber');
    t.is(stored?.mapping?.familyName, 'jasn', 'an empty field keeps the default');
    t.deepEqual(stored?.allowedAffiliations, ['student']);
    const trial = await trySignIn(saved);
    t.regex(trial.html, /学籍番号など必要な属性が届いていないため、この内容ではログインできません。/);
    const back = await admin.post('/idps/campus/mapping', await admin.get('/idps/campus'), {
      'map-studentId': 'studentNumber',
      affiliations: '',
    });
    t.regex(back.html, /対応付けを保存しました。/);
  },
);

test.serial('only admins register sign-ins; disabling one is audited', async (t) => {
  const desk = await StaffMember.create(service, 'test-univ', 'desk@test-univ.example', ['helpdesk']);
  await desk.logIn();
  t.is((await desk.get('/idps')).status, 403);
  t.is((await desk.post('/idps/campus/disable', await desk.get('/accounts'), {})).status, 403);
  const disabled = await admin.post('/idps/campus/disable', await admin.get('/idps/campus'), {});
  t.regex(disabled.html, /大学の認証を停止しました。/);
  t.false(Boolean((await SamlIdpModel.findById('test-univ:campus').lean())?.enabled));
  t.truthy(await AuditModel.exists({ event: 'console.idp_disabled' }));
});
