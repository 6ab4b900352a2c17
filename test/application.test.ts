import test from 'ava';
import { createGraduate, parseName } from '../src/admin/accounts.ts';
import { configureTenant, createTenant } from '../src/admin/tenants.ts';
import { ApplicationModel } from '../src/db/models/application.ts';
import { ApplicationDraftModel } from '../src/db/models/application-draft.ts';
import { OneTimeTokenModel } from '../src/db/models/one-time-token.ts';
import { APPLICANT, Applicant, fixture } from './helpers/applicant.ts';
import { GRADUATE, seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { recipients } from './helpers/smtp-sink.ts';

let service: TestService;

test.before(async () => {
  service = await startTestService('application');
  await seedUniversity(service);
});
test.after.always(() => service?.stop());

const front = { name: 'front.png', data: fixture('id-front.png'), type: 'image/png' };

test('an applicant sets a mail address, opens the mailed URL, agrees to the terms, fills in the form with ID images, confirms and applies', async (t) => {
  const person = new Applicant(service);
  const start = await person.open();
  t.regex(start.html, /テスト大学 メールアドレス設定/);
  const sent = await person.requestMail('new.graduate@example.com');
  t.regex(sent.url, /\/apply\/sent$/);
  t.regex(sent.html, /確認メールを送信しました/);

  const mail = await service.smtp.waitFor((m) => recipients(m) === 'new.graduate@example.com');
  t.is(mail.subject, '【テスト大学】メールアドレスの確認');
  t.regex(mail.text ?? '', /URLの有効期限：30分/);
  t.regex(mail.text ?? '', /送信専用アドレス/);
  const url = (mail.text ?? '').match(/(http\S+\/verify\/\S+)/)?.[1] as string;
  const stored = await OneTimeTokenModel.findOne({ email: 'new.graduate@example.com' }).lean();
  t.false(url.includes(stored?._id ?? 'missing'), 'the database holds only a hash of the URL token');

  const terms = await person.browser.get(url);
  const termsHtml = (await terms.response?.text()) ?? '';
  t.regex(termsHtml, /第1条 本サービスは卒業生のためのものです。/);
  t.regex(termsHtml, /上記内容に同意する/);
  const form = await person.agree(url);
  t.regex(form.url, /\/apply\/form$/);
  t.regex(form.html, /申請種別/);
  t.regex(form.html, /テスト大学 \/ 文学部 \/ 日本文学科/);

  const confirm = await person.submitForm(form, APPLICANT, {
    idFront: front,
    idBack: { name: 'back.jpg', data: fixture('id-back.jpg'), type: 'image/jpeg' },
  });
  t.regex(confirm.url, /\/apply\/confirm$/);
  t.regex(confirm.html, /山田 太郎/);
  t.regex(confirm.html, /ヤマダ タロウ/);
  t.regex(confirm.html, /100-0001/, 'the postal code is shown normalised');
  t.regex(confirm.html, /運転免許証/);
  t.regex(confirm.html, /src="\/t\/test-univ\/apply\/image\/front"/);
  const image = await person.browser.request(`${person.base}/image/front`);
  t.is(image.headers.get('content-type'), 'image/png');
  t.deepEqual(Buffer.from(await image.arrayBuffer()), fixture('id-front.png'));

  const done = await person.post(`${person.base}/submit`, confirm, {});
  t.regex(done.url, /\/apply\/done$/);
  t.regex(done.html, /申請内容を確認します。結果は登録されたメールアドレスに後日お知らせします。/);
  const application = await ApplicationModel.findOne({ email: 'new.graduate@example.com' }).lean();
  t.is(application?.status, 'pending');
  t.is(application?.type, 'new');
  t.is(application?.values.nameKana, 'ヤマダ タロウ');
  t.is(application?.images?.back?.contentType, 'image/jpeg');
  const sealed = application?.images?.front?.data as unknown as { buffer: Uint8Array } | undefined;
  const atRest = Buffer.from(sealed?.buffer ?? []);
  t.false(atRest.includes(fixture('id-front.png').subarray(0, 64)), 'the image is encrypted at rest');
  t.false(atRest.subarray(0, 8).equals(fixture('id-front.png').subarray(0, 8)));
  t.is(await ApplicationDraftModel.countDocuments({ email: 'new.graduate@example.com' }), 0, 'the draft is gone');

  const again = await person.post(`${person.base}/submit`, confirm, {});
  t.is(again.status, 410, 'a second submission finds no draft');
  t.is(await ApplicationModel.countDocuments({ email: 'new.graduate@example.com' }), 1);
});

test('the mail address setting screen refuses a mistyped address or a mismatched confirmation', async (t) => {
  const person = new Applicant(service);
  const bad = await person.requestMail('not-an-address');
  t.is(bad.status, 400);
  t.regex(bad.html, /id="email-error"[^>]*>メールアドレスの形式が正しくありません/);
  const mismatch = await person.requestMail('a@example.com', 'b@example.com');
  t.regex(mismatch.html, /id="emailConfirm-error"[^>]*>メールアドレスと確認用の入力が一致しません/);
  t.regex(mismatch.html, /value="a@example.com"/, 'what was typed is kept');
});

test('an address already registered gets the same screen, and its owner a mail saying so instead of a URL', async (t) => {
  const person = new Applicant(service);
  const sent = await person.requestMail(GRADUATE.email);
  t.regex(sent.url, /\/apply\/sent$/, 'no way to tell from the page that the address is taken');
  const mail = await service.smtp.waitFor((m) => recipients(m) === GRADUATE.email);
  t.regex(mail.text ?? '', /すでに登録されています/);
  t.regex(mail.text ?? '', /https:\/\/cert\.test-univ\.example\/login/);
  t.notRegex(mail.text ?? '', /\/verify\//);
});

test('the terms of use must be agreed to', async (t) => {
  const person = new Applicant(service);
  await person.requestMail('disagree@example.com');
  const url = await person.mailedUrl('disagree@example.com');
  const terms = { url, html: (await (await person.browser.get(url)).response?.text()) ?? '' };
  const refused = await person.post(url, terms, {});
  t.is(refused.status, 400);
  t.regex(refused.html, /「上記内容に同意する」にチェックしてください/);
});

test('a used one-time URL is refused with a page offering to start again', async (t) => {
  const person = new Applicant(service);
  await person.requestMail('twice@example.com');
  const url = await person.mailedUrl('twice@example.com');
  await person.agree(url);
  const reused = await new Applicant(service).open(url.slice(url.indexOf('/verify/')));
  t.is(reused.status, 410);
  t.regex(reused.html, /このURLは使用済みです/);
  t.regex(reused.html, /href="\/t\/test-univ\/apply"[^>]*>最初からやり直す/);
});

test('an expired one-time URL is refused with a page offering to start again', async (t) => {
  const person = new Applicant(service);
  await person.requestMail('late@example.com');
  const url = await person.mailedUrl('late@example.com');
  await OneTimeTokenModel.updateOne({ email: 'late@example.com' }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
  const expired = await person.open(url.slice(url.indexOf('/verify/')));
  t.is(expired.status, 410);
  t.regex(expired.html, /URLの有効期限が切れています/);
  const forged = await person.open('/verify/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
  t.is(forged.status, 404);
  t.regex(forged.html, /URLが正しくありません/);
});

test('each wrong item is named beside it, everything typed is kept, and nothing is filed', async (t) => {
  const person = new Applicant(service);
  const form = await person.openForm('mistakes@example.com');
  const wrong = {
    ...APPLICANT,
    nameKana: 'やまだ たろう',
    nameRoman: '山田 太郎',
    birthdate: '1990-02-30',
    graduation: '2015-13',
    postalCode: '12-34',
    phone: 'call me',
    catalogue: 'no-such-subject',
    graduationType: '',
  };
  const result = await person.submitForm(form, wrong, { idFront: front });
  t.is(result.status, 400);
  const messages: Record<string, RegExp> = {
    nameKana: /全角カタカナ/,
    nameRoman: /半角ローマ字/,
    birthdate: /正しい日付/,
    graduation: /西暦の年月/,
    postalCode: /7桁の数字/,
    phone: /数字とハイフン/,
    catalogue: /大学／学部／学科を選択してください/,
    graduationType: /卒業／退学／除籍を選択してください/,
  };
  for (const [field, message] of Object.entries(messages)) {
    t.regex(result.html, new RegExp(`id="${field}-error"[^>]*>[^<]*${message.source}`), field);
  }
  t.regex(result.html, /value="やまだ たろう"/, 'the wrong value is shown for correction');
  t.regex(result.html, /value="千代田1-1"/, 'the right values are kept');
  t.regex(result.html, /アップロード済みの画像です/, 'the uploaded image is kept');
  t.is(await ApplicationModel.countDocuments({ email: 'mistakes@example.com' }), 0);

  const reload = await person.open('/form');
  t.regex(reload.html, /value="千代田1-1"/, 'what was typed survives leaving the page');
});

test('missing required items and a missing front image are each named', async (t) => {
  const person = new Applicant(service);
  const form = await person.openForm('empty@example.com');
  const result = await person.submitForm(form, {});
  t.is(result.status, 400);
  for (const field of [
    'applicationType',
    'nameKanji',
    'nameKana',
    'nameRoman',
    'birthdate',
    'catalogue',
    'graduation',
    'graduationType',
    'idType',
  ]) {
    t.regex(result.html, new RegExp(`id="${field}-error"`), field);
  }
  t.regex(result.html, /id="id_front-error"[^>]*>本人確認用書類の画像（表面）を添付してください/);
  t.notRegex(result.html, /id="studentId-error"/, 'optional items may stay empty');
});

for (const [what, file] of [
  ['an HTML page named .png', 'html-named.png'],
  ['a PDF named .png', 'pdf-named.png'],
] as const) {
  test(`${what} is refused as an identification image`, async (t) => {
    const person = new Applicant(service);
    const email = `${file.replace('.', '-')}@example.com`;
    const form = await person.openForm(email);
    const result = await person.submitForm(form, APPLICANT, {
      idFront: { name: 'photo.png', data: fixture(file), type: 'image/png' },
    });
    t.is(result.status, 400);
    t.regex(result.html, /id="id_front-error"[^>]*>jpg・gif・png形式の画像ファイルを添付してください/);
    t.regex(result.html, /value="千代田1-1"/);
  });
}

test('a GIF is accepted and an oversized image is refused without losing the typed items', async (t) => {
  const person = new Applicant(service);
  const form = await person.openForm('big@example.com');
  const huge = Buffer.concat([fixture('id-front.png'), Buffer.alloc(service.config.application.maxImageBytes)]);
  const result = await person.submitForm(form, APPLICANT, { idFront: { name: 'huge.png', data: huge, type: 'image/png' } });
  t.is(result.status, 400);
  t.regex(result.html, /id="id_front-error"[^>]*>画像ファイルは5MB以下にしてください/);
  t.regex(result.html, /value="千代田1-1"/);
  const gif = await person.submitForm(result, APPLICANT, {
    idFront: { name: 'tiny.gif', data: fixture('tiny.gif'), type: 'image/gif' },
  });
  t.regex(gif.url, /\/confirm$/);
});

test('an applicant can change the language on the mail address screen and the mail follows', async (t) => {
  const person = new Applicant(service);
  const english = await person.open('?lang=en');
  t.regex(english.html, /Test University Mail address setting/);
  await person.post(person.base, english, { email: 'english@example.com', emailConfirm: 'english@example.com' });
  const mail = await service.smtp.waitFor((m) => recipients(m) === 'english@example.com');
  t.is(mail.subject, '[Test University] Mail address confirmation');
  t.regex(mail.text ?? '', /Due date for the URL: 30 minutes/);
});

test('an unknown university is a page not found', async (t) => {
  const response = await fetch(`${service.issuer}/t/no-such-univ/apply`);
  t.is(response.status, 404);
  t.regex(await response.text(), /ページが見つかりません/);
});

test("a university's configuration hides some form items and requires others", async (t) => {
  await createTenant({ id: 'config-univ', nameJa: '設定大学', nameEn: 'Config University' });
  await configureTenant('config-univ', {
    catalogue: [
      {
        id: 'eng',
        university: { ja: '設定大学', en: 'Config University' },
        department: { ja: '工学部', en: 'Engineering' },
        subject: { ja: '機械科', en: 'Mechanical' },
      },
    ],
    fields: [
      { name: 'workName', mode: 'hidden' },
      { name: 'workPhone', mode: 'hidden' },
      { name: 'studentId', mode: 'required' },
    ],
  });
  const person = new Applicant(service, 'config-univ');
  const form = await person.openForm('configured@example.com');
  t.notRegex(form.html, /name="workName"/);
  t.notRegex(form.html, /name="workPhone"/);
  t.regex(form.html, /name="workCity"/);
  const result = await person.submitForm(form, { ...APPLICANT, catalogue: 'eng', studentId: '' }, { idFront: front });
  t.is(result.status, 400);
  t.regex(result.html, /id="studentId-error"[^>]*>学籍番号を入力してください/);
});

test('an address that became registered while the form was being filled in is refused at the application step', async (t) => {
  const person = new Applicant(service);
  const form = await person.openForm('raced@example.com');
  const confirm = await person.submitForm(form, APPLICANT, { idFront: front });
  await createGraduate(service.hasher, {
    tenantId: 'test-univ',
    email: 'raced@example.com',
    password: 'Raced2026pass',
    secondPassword: 'Raced2026two',
    name: { kanji: parseName('競合 太郎', 'name') },
    studentIds: [],
  });
  const refused = await person.post(`${person.base}/submit`, confirm, {});
  t.is(refused.status, 409);
  t.regex(refused.html, /このメールアドレスは登録済みです/);
  t.is(await ApplicationModel.countDocuments({ email: 'raced@example.com' }), 0);
});

test('an applicant who pastes a 100,000-character remark or a name with a control character is told which item and how, and keeps the other values', async (t) => {
  const person = new Applicant(service);
  const form = await person.openForm('long.remark@example.com');
  const page = await person.submitForm(form, {
    ...APPLICANT,
    nameKanji: '山田\u200b 太郎',
    nameRoman: 'YAMADA \u202eTaro',
    remarks: 'あ'.repeat(100_000),
  });
  t.is(page.status, 400);
  t.regex(page.html, /id="remarks-error"[^>]*>備考は1000文字以内で入力してください。/);
  t.regex(page.html, /id="nameKanji-error"[^>]*>申請者氏名に使用できない文字（制御文字や見えない文字）が含まれています。/);
  t.regex(page.html, /id="nameRoman-error"[^>]*>[^<]*使用できない文字/);
  // A control character (BEL) is refused at the form boundary, beside its field, before anything else.
  const control = await person.submitForm(form, { ...APPLICANT, nameKanji: '山田\u0007 太郎' });
  t.is(control.status, 400);
  t.regex(control.html, /id="nameKanji-error"[^>]*>使用できない文字（制御文字）が含まれています/);
  t.regex(page.html, /value="ヤマダ タロウ"/, 'the other values are kept');
  t.regex(page.html, /value="090-1111-2222"/);
});

test('a form endpoint sent JSON instead of a form answers 415, not a message about an expired screen', async (t) => {
  for (const path of ['/t/test-univ/apply', '/t/test-univ/apply/form', '/t/test-univ/password-reset']) {
    const response = await fetch(`${service.issuer}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'json@example.com' }),
    });
    t.is(response.status, 415, path);
    t.notRegex(await response.text(), /有効期限が切れました/, path);
  }
});

test('dates are typed as the manuals write them (1990/09/09, 2015/03), in full-width digits too, beside a hint with the same example', async (t) => {
  const person = new Applicant(service);
  const form = await person.openForm('slashed.dates@example.com');
  t.regex(form.html, /id="birthdate-hint"[^>]*>西暦で入力してください（例：1990\/09\/09）。/);
  t.regex(form.html, /id="birthdate" name="birthdate" type="text" inputmode="numeric"/);
  const confirm = await person.submitForm(
    form,
    { ...APPLICANT, birthdate: '1990/9/9', graduation: '２０１５／０３' },
    { idFront: front },
  );
  t.regex(
    confirm.url,
    /\/apply\/confirm$/,
    confirm.html.match(/field-error[^<]*<\/p>|id="[a-z]+-error"[^>]*>[^<]*/gi)?.join(' | ') ?? '',
  );
  t.regex(confirm.html, /1990-09-09/);
  t.regex(confirm.html, /2015-03/);
});

test('Back on the applicant form shows the terms again, already agreed to, and the way on keeps what was typed', async (t) => {
  const person = new Applicant(service);
  const form = await person.openForm('goes.back@example.com');
  const wrong = await person.submitForm(form, { ...APPLICANT, nameKana: 'やまだ たろう' }, { idFront: front });
  t.regex(wrong.html, /<a class="button" href="\/t\/test-univ\/apply\/terms">戻る<\/a>/);
  const terms = await person.browser.page(`${person.base}/terms`);
  t.is(terms.status, 200);
  t.regex(terms.html, /利用許諾に同意済みです。/);
  t.notRegex(terms.html, /name="agree"/);
  const again = await person.browser.page(`${person.base}/form`);
  t.regex(again.html, /value="YAMADA Taro"/, 'what was typed is still there');
});
