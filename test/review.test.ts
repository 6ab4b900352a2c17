import test from 'ava';
import * as oidc from 'openid-client';
import { createTenant } from '../src/admin/tenants.ts';
import { AccountModel } from '../src/db/models/account.ts';
import { ApplicationModel } from '../src/db/models/application.ts';
import { AuditModel } from '../src/db/models/audit.ts';
import { StaffModel } from '../src/db/models/staff.ts';
import { sweepExpired } from '../src/db/sweeper.ts';
import { formatDateTime } from '../src/i18n/index.ts';
import { APPLICANT, Applicant } from './helpers/applicant.ts';
import { formAction, inputValue } from './helpers/browser.ts';
import { relyingParty, startLogin, submitGraduateLogin } from './helpers/relying-party.ts';
import { runScript } from './helpers/run.ts';
import { addGraduate, GRADUATE, REDIRECT_URI, seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { recipients } from './helpers/smtp-sink.ts';
import { StaffMember } from './helpers/staff.ts';

let service: TestService;
let university: Awaited<ReturnType<typeof seedUniversity>>;
let rp: oidc.Configuration;
let staff: StaffMember;

test.before(async () => {
  service = await startTestService('review');
  university = await seedUniversity(service);
  rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
  staff = await StaffMember.create(service, 'test-univ', 'reviewer@test-univ.example');
  const first = await staff.logIn();
  if (!first.url.endsWith('/staff')) throw new Error(`staff could not log in: ${first.status} ${first.html.slice(0, 500)}`);
});
test.after.always(() => service?.stop());

async function applied(email: string, values: Record<string, string> = APPLICANT) {
  await new Applicant(service).apply(email, values);
  const application = await ApplicationModel.findOne({ email }).sort({ _id: -1 }).lean();
  if (!application) throw new Error('no application');
  return application._id.toString();
}

/** Logs in at the relying party with the initial password, sets both passwords, returns the ID token claims. */
async function firstLogin(email: string, initialPassword: string) {
  const login = await startLogin(rp);
  const setting = await submitGraduateLogin(login, { email, password: initialPassword, secondPassword: '' });
  if (!setting.url.endsWith('/continue')) throw new Error(`no password setting: ${setting.status}`);
  const action = new URL(formAction(setting.page), setting.url).href;
  const done = await login.browser.postForm(action, {
    _csrf: inputValue(setting.page, '_csrf'),
    password: 'Graduate2026',
    passwordConfirm: 'Graduate2026',
    secondPassword: 'Second2026z',
    secondPasswordConfirm: 'Second2026z',
  });
  const html = (await done.response?.text()) ?? '';
  const ok = html.match(/<a class="button primary" href="([^"]+)"/)?.[1] as string;
  const back = await login.browser.follow(new URL(ok.replaceAll('&amp;', '&'), done.url).href, {}, REDIRECT_URI);
  const tokens = await oidc.authorizationCodeGrant(rp, new URL(back.url), {
    pkceCodeVerifier: login.verifier,
    expectedState: login.state,
    expectedNonce: login.nonce,
  });
  return tokens.claims();
}

async function initialPasswordMailedTo(email: string) {
  const mail = await service.smtp.waitFor((m) => recipients(m) === email && /初期パスワード/.test(m.text ?? ''));
  return { mail, password: (mail.text ?? '').match(/初期パスワード：(\S+)/)?.[1] as string };
}

test.serial(
  'a graduate applies, university staff approve with password and TOTP, and the graduate logs in for the first time at the relying party',
  async (t) => {
    const id = await applied('approved@example.com');
    const queue = await staff.get('');
    t.regex(queue.html, /利用申請の一覧/);
    t.regex(queue.html, new RegExp(`href="/t/test-univ/staff/applications/${id}">山田 太郎`));

    const detail = await staff.get(`/applications/${id}`);
    t.regex(detail.html, /ヤマダ タロウ/);
    t.regex(detail.html, /テスト大学 \/ 文学部 \/ 日本文学科/);
    const image = await staff.browser.request(`${staff.base}/applications/${id}/image/front`);
    t.is(image.headers.get('content-type'), 'image/png');
    t.like(
      (await AuditModel.findOne({ event: 'staff.image_viewed', applicationId: id }).lean())?.detail,
      { side: 'front' },
      'every view of an identification image is audited',
    );

    const decided = await staff.post(`/applications/${id}/decide`, detail, { action: 'approve', reason: '' });
    t.regex(decided.url, /\/staff\?decided=/);
    const { mail, password } = await initialPasswordMailedTo('approved@example.com');
    t.is(mail.subject, '【テスト大学】利用申請の結果');
    t.regex(mail.text ?? '', /ログインはこちら\nhttps:\/\/cert\.test-univ\.example\/login/);
    t.regex(password, /^[A-Za-z0-9]{12}$/);

    const application = await ApplicationModel.findById(id).lean();
    t.is(application?.status, 'approved');
    t.is(application?.decisions[0]?.staffEmail, 'reviewer@test-univ.example');
    t.truthy(application?.decisions[0]?.at);

    const claims = await firstLogin('approved@example.com', password);
    t.is(claims?.email, 'approved@example.com');
    t.is(claims?.name, '山田 太郎');
    t.deepEqual(claims?.student_ids, [
      {
        number: '15L0001',
        university: 'テスト大学',
        'university#ja': 'テスト大学',
        department: '文学部',
        subject: '日本文学科',
        'university#en': 'Test University',
        'department#en': 'Faculty of Letters',
        'subject#en': 'Japanese Literature',
        graduation: '2015-03',
        status: 'graduated',
      },
    ]);
    t.is(claims?.sub, application?.accountId ?? undefined);
  },
);

test.serial('staff reject an application and the applicant is told why', async (t) => {
  const id = await applied('rejected@example.com');
  const refused = await staff.decide(id, { action: 'reject', reason: '' });
  t.is(refused.status, 400);
  t.regex(refused.html, /id="reason-error"[^>]*>理由を入力してください/);
  t.regex(refused.html, /value="reject" checked/, 'the chosen decision is kept with the error');
  await staff.decide(id, { action: 'reject', reason: '在籍の記録が確認できませんでした。' });
  const mail = await service.smtp.waitFor(
    (m) => recipients(m) === 'rejected@example.com' && /承認されませんでした/.test(m.text ?? ''),
  );
  t.regex(mail.text ?? '', /理由：在籍の記録が確認できませんでした。/);
  t.is((await ApplicationModel.findById(id).lean())?.status, 'rejected');
  t.is(await AccountModel.countDocuments({ email: 'rejected@example.com' }), 0);
  t.notRegex((await staff.get(`/applications/${id}`)).html, /審査結果を登録/, 'a decided application shows no decision form');
  const late = await staff.decide(id, { action: 'approve', reason: '' });
  t.is(late.status, 409);
  t.regex(late.html, /この申請はすでに審査済みです/);
  t.is(await AccountModel.countDocuments({ email: 'rejected@example.com' }), 0);
});

test.serial(
  'staff ask for a resubmission, and the applicant corrects the form from the mailed link and applies again',
  async (t) => {
    const id = await applied('resubmit@example.com', { ...APPLICANT, studentId: '99X9999' });
    await staff.decide(id, { action: 'resubmit', reason: '学籍番号が記録と一致しません。' });
    const mail = await service.smtp.waitFor((m) => recipients(m) === 'resubmit@example.com' && /再提出/.test(m.subject ?? ''));
    t.regex(mail.text ?? '', /理由：学籍番号が記録と一致しません。/);
    const url = (mail.text ?? '').match(/(http\S+\/resubmit\/\S+)/)?.[1] as string;

    const person = new Applicant(service);
    const intro = await person.browser.get(url);
    const introHtml = (await intro.response?.text()) ?? '';
    t.regex(introHtml, /学籍番号が記録と一致しません。/);
    const form = await person.post(url, { url, html: introHtml }, {});
    t.regex(form.url, /\/apply\/form$/);
    t.regex(form.html, /value="99X9999"/, 'the form reopens filled in');
    // Issue 28 item 6: the reason again at the top of the form, and beside the item it names.
    t.regex(form.html, /大学からの再提出の理由：<\/strong> 学籍番号が記録と一致しません。/);
    t.regex(form.html, /<label for="studentId">学籍番号[\s\S]{0,300}?この項目は、再提出の理由で挙げられています。/);
    t.is(form.html.match(/この項目は、再提出の理由で挙げられています。/g)?.length, 1, 'only the item it names');
    t.regex(form.html, /アップロード済みの画像です/, 'with the images');
    const confirm = await person.submitForm(form, { ...APPLICANT, studentId: '15L0002' });
    const done = await person.post(`${person.base}/submit`, confirm, {});
    t.regex(done.url, /\/apply\/done$/);

    const application = await ApplicationModel.findById(id).lean();
    t.is(application?.status, 'pending');
    t.is(application?.values.studentId, '15L0002');
    t.deepEqual(
      application?.decisions.map((d) => d.action),
      ['resubmission_requested', 'resubmitted'],
    );
    t.is(await ApplicationModel.countDocuments({ email: 'resubmit@example.com' }), 1, 'the same application, not a new one');
    // Issue 27 item 5: the reviewer sees it came back, and why it was sent back.
    t.regex((await staff.get('/')).html, /<td data-label="申請種別">新規 <span class="badge">再提出<\/span><\/td>/);
    t.regex(
      (await staff.get(`/applications/${id}`)).html,
      /再提出された申請です。前回の依頼理由：学籍番号が記録と一致しません。/,
    );
    const reused = await new Applicant(service).open(url.slice(url.indexOf('/resubmit/')));
    t.is(reused.status, 410);
  },
);

test("a new application carrying an existing account's student ID is flagged as a likely reapplication", async (t) => {
  const id = await applied('maybe-again@example.com', { ...APPLICANT, studentId: '19B0042' });
  const page = await staff.get(`/applications/${id}`);
  t.regex(page.html, /既存のアカウントと一致する申請です。再申請の可能性があります。/);
  t.regex(page.html, /佐藤 花子 · 1999-05-06 · [^<]+ · 19B0042 — 学籍番号が同じ/);
  const unrelated = await staff.get(
    `/applications/${await applied('unrelated@example.com', { ...APPLICANT, nameKanji: '川村 ゆい', nameKana: 'カワムラ ユイ', nameRoman: 'KAWAMURA Yui', birthdate: '2000-01-01', studentId: '77Z0001' })}`,
  );
  t.notRegex(unrelated.html, /既存のアカウントと一致する申請です/);
});

test.serial('a reapplication moves an existing account to the new mail address, with a new initial password', async (t) => {
  const id = await applied('hanako.new@example.com', {
    ...APPLICANT,
    applicationType: 'reapplication',
    nameKanji: '佐藤 花子',
    nameKana: 'サトウ ハナコ',
    nameRoman: 'SATO Hanako',
    birthdate: '1999-05-06',
  });
  const withoutAccount = await staff.decide(id, { action: 'approve', reason: 'メモ' });
  t.regex(withoutAccount.html, /id="accountId-error"[^>]*>再申請を反映するアカウントを選択してください/);
  t.regex(withoutAccount.html, /value="approve" checked/, 'the chosen decision is kept');
  t.regex(withoutAccount.html, /<textarea id="reason"[^>]*>メモ<\/textarea>/, 'what was written is kept');
  // Issue 27 item 3: before any search, the account the application's items point to is offered, with why.
  t.regex(
    withoutAccount.html,
    new RegExp(
      `name="accountId" value="${university.accountId}">[^<]*hanako\\.sato@example\\.com[^<]*<strong>\\(氏名と生年月日が同じ、フリガナと生年月日が同じ\\)`,
    ),
  );
  const search = await staff.get(`/applications/${id}?q=${encodeURIComponent('サトウ')}`);
  t.regex(search.html, new RegExp(`name="accountId" value="${university.accountId}"`));
  t.regex(search.html, /hanako\.sato@example\.com/);
  // Issue 27 item 4: what a reviewer types finds the account, however it is written.
  for (const typed of [
    '佐藤花子',
    '佐藤　花子',
    'さとう はなこ',
    'SATO hanako',
    '1999/5/6',
    '平成11年5月6日',
    '19b0042',
    'hanako.sato@',
  ]) {
    const found = await staff.get(`/applications/${id}?q=${encodeURIComponent(typed)}`);
    t.regex(found.html, new RegExp(`name="accountId" value="${university.accountId}"`), typed);
  }
  await staff.post(`/applications/${id}/decide`, search, { action: 'approve', accountId: university.accountId, reason: '' });

  const { mail, password } = await initialPasswordMailedTo('hanako.new@example.com');
  t.is(mail.subject, '【テスト大学】再申請の結果', 'its own mail, not the new account one');
  t.regex(mail.text ?? '', /これまでのアカウント（学籍番号などの登録内容）を、このメールアドレスで引き続きご利用いただけます。/);
  const account = await AccountModel.findById(university.accountId).lean();
  t.is(account?.email, 'hanako.new@example.com');
  const old = await submitGraduateLogin(await startLogin(rp), GRADUATE);
  t.is(old.status, 401, 'the old address and passwords no longer log in');
  const claims = await firstLogin('hanako.new@example.com', password);
  t.is(claims?.sub, university.accountId, 'the same account, with its student IDs');
  t.deepEqual(
    ((claims?.student_ids ?? []) as Array<{ number: string }>).map((s) => s.number),
    ['19B0042'],
  );
});

test.serial(
  'approving for an account that is gone, or to an address another account took meanwhile, is refused beside the decision and can be decided again',
  async (t) => {
    const reapplication = await applied('gone.account@example.com', { ...APPLICANT, applicationType: 'reapplication' });
    const gone = await staff.decide(reapplication, { action: 'approve', accountId: '0123456789abcdef01234567', reason: '' });
    t.regex(gone.html, /id="accountId-error"[^>]*>再申請を反映するアカウントを選択してください/);
    t.is((await ApplicationModel.findById(reapplication).lean())?.status, 'pending');

    const second = await applied('taken.meanwhile@example.com');
    // The operator creates an account for the same address while the application waits.
    await addGraduate(service, 'taken.meanwhile@example.com');
    const taken = await staff.decide(second, { action: 'approve', reason: '' });
    t.regex(taken.html, /このメールアドレスはすでに別のアカウントで使用されています/);
    t.is((await ApplicationModel.findById(second).lean())?.status, 'pending');
    const rejected = await staff.decide(second, { action: 'reject', reason: '重複した申請です。' });
    t.not(rejected.status, 500, 'the claim on the decision was released');
    t.is((await ApplicationModel.findById(second).lean())?.status, 'rejected');
  },
);

test.serial('the queue and the review history show times in Japan time, as the reviewer reads them', async (t) => {
  const id = await applied('japan-time@example.com');
  const submitted = (await ApplicationModel.findById(id).lean())?.submittedAt as Date;
  t.true((await staff.get('')).html.includes(formatDateTime(submitted, 'ja')), 'the queue: the time the applicant sent it');
  await staff.decide(id, { action: 'reject', reason: '重複した申請です。' });
  const decided = (await ApplicationModel.findById(id).lean())?.decisions?.at(-1)?.at as Date;
  t.true((await staff.get(`/applications/${id}`)).html.includes(formatDateTime(decided, 'ja')), 'the history: the decision');
});

test.serial('identification images are deleted once the retention period after the decision has passed', async (t) => {
  const id = await applied('retention@example.com');
  await staff.decide(id, { action: 'reject', reason: '重複した申請です。' });
  const decided = await ApplicationModel.findById(id).lean();
  t.truthy(decided?.images?.front);
  const days = Math.round(((decided?.imagesDeleteAfter?.getTime() ?? 0) - Date.now()) / 86_400_000);
  t.is(days, 90, 'the default retention');
  await ApplicationModel.updateOne({ _id: id }, { $set: { imagesDeleteAfter: new Date(Date.now() - 1000) } });
  await sweepExpired();
  const swept = await ApplicationModel.findById(id).lean();
  t.is(swept?.images?.front, undefined);
  t.truthy(swept?.imagesDeletedAt);
  t.is((await staff.browser.request(`${staff.base}/applications/${id}/image/front`)).status, 404);
  t.regex((await staff.get(`/applications/${id}`)).html, /保存期間の経過により削除されました/);
});

test.serial('staff without the reviewer role are refused every review page on the server, whatever they type', async (t) => {
  const id = await applied('roles@example.com');
  const pages = [`/applications/${id}`, `/applications/${id}/image/front`];
  for (const roles of [['admin'], ['helpdesk'], ['auditor'], ['admin', 'helpdesk', 'auditor']] as const) {
    const member = await StaffMember.create(service, 'test-univ', `${roles.join('-')}@test-univ.example`, [...roles]);
    const landed = await member.logIn();
    const home = roles.some((role) => role === 'helpdesk' || role === 'admin') ? '/staff/accounts' : '/staff/audit';
    t.true(landed.url.endsWith(home), `${roles}: the console opens at ${home}`);
    t.is(landed.status, 200);
    t.notRegex(landed.html, /href="[^"]*\/staff">/, `${roles}: no link to the review queue`);
    for (const page of pages) t.is((await member.get(page)).status, 403, `${roles}: ${page}`);
    // A form of a page they may open (their passkeys) carries the CSRF token a hand-made POST needs.
    const own = await member.get('/passkeys');
    t.is(own.status, 200, `${roles}: their own passkeys page`);
    const decided = await member.post(`/applications/${id}/decide`, own, { action: 'reject', reason: '権限なし' });
    t.is(decided.status, 403, `${roles}: a decision posted by hand`);
  }
  t.is((await ApplicationModel.findById(id).lean())?.status, 'pending', 'nothing was decided');
  const reviewer = await StaffMember.create(service, 'test-univ', 'also-reviewer@test-univ.example', ['auditor', 'reviewer']);
  const queue = await reviewer.logIn();
  t.is(queue.status, 200, 'a reviewer with another role too reviews as before');
  t.regex(queue.html, /href="[^"]*\/staff\/audit"/, 'and finds the audit log in the staff bar');
  t.is((await staff.get('/audit')).status, 403, 'a reviewer alone does not read the audit log');
});

test.serial(
  "an auditor reads the university's audit log in Japan time, filters it and downloads it as CSV; another university's entries never show",
  async (t) => {
    await AuditModel.create([
      {
        at: new Date('2026-04-01T06:09:00Z'),
        event: 'login.succeeded',
        tenantId: 'test-univ',
        accountId: 'acct-in-april',
        ip: '=HYPERLINK("x")',
      },
      { at: new Date(), event: 'login.succeeded', tenantId: 'other-univ', accountId: 'acct-of-another-university' },
    ]);
    const auditor = await StaffMember.create(service, 'test-univ', 'log-reader@test-univ.example', ['auditor']);
    const log = await auditor.logIn();
    t.regex(log.html, /<h1>監査ログ<\/h1>/);
    t.regex(log.html, /staff\.totp_enrolled/, "the university's own entries, the auditor's own enrolment among them");
    t.notRegex(log.html, /acct-of-another-university/);

    const april = await auditor.get('/audit?from=2026/04/01&to=2026-04-01&event=login.');
    t.regex(april.html, /acct-in-april/);
    t.regex(april.html, /2026年4月1日 15:09 JST/, 'shown in Japan time, the zone named');
    t.notRegex(april.html, /staff\./);
    const wrong = await auditor.get('/audit?from=2026-02-30');
    t.is(wrong.status, 400);
    t.regex(wrong.html, /id="from-error"[^>]*>/);
    t.regex(wrong.html, /value="2026-02-30"/, 'what was typed is kept');

    const csv = await auditor.browser.get(`${auditor.base}/audit.csv?event=login.&from=2026-04-01&to=2026-04-01`);
    t.regex(csv.response?.headers.get('content-type') ?? '', /^text\/csv/);
    t.regex(csv.response?.headers.get('content-disposition') ?? '', /attachment; filename="audit-test-univ\.csv"/);
    const text = (await csv.response?.text()) ?? '';
    const [header, row, ...rest] = text
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    t.is(header, '"at","event","account","staff","operator","ip","request","detail"');
    t.is(
      row,
      `"2026-04-01T06:09:00.000Z","login.succeeded","acct-in-april","","","'=HYPERLINK(""x"")","",""`,
      'a formula is written as text',
    );
    t.deepEqual(rest, []);
  },
);

test.serial(
  "the helpdesk finds a graduate by mail address, a name in any script with or without the space, a birth date as typed or a student ID; never another university's, never a secret",
  async (t) => {
    const helpdesk = await StaffMember.create(service, 'test-univ', 'desk@test-univ.example', ['helpdesk']);
    const landed = await helpdesk.logIn();
    t.true(landed.url.endsWith('/staff/accounts'));
    const id = university.accountId;
    // Its address as earlier tests left it (a reapplication moved it), typed in part.
    const email = (await AccountModel.findById(id).lean())?.email as string;
    for (const typed of [
      email.slice(0, 8),
      '佐藤 花子',
      '佐藤花子',
      '佐藤　花子',
      'さとう はなこ',
      'ｻﾄｳﾊﾅｺ',
      'sato hanako',
      '1999/05/06',
      '19990506',
      '19B0042',
    ]) {
      const found = await helpdesk.get(`/accounts?q=${encodeURIComponent(typed)}`);
      t.regex(found.html, new RegExp(`href="[^"]*/staff/accounts/${id}"`), typed);
    }
    const nobody = await helpdesk.get(`/accounts?q=${encodeURIComponent('存在 しない')}`);
    t.regex(nobody.html, /該当するアカウントはありません/);
    const page = await helpdesk.get(`/accounts/${id}`);
    t.is(page.status, 200);
    t.true(page.html.includes(email));
    t.regex(page.html, /19B0042/);
    t.notRegex(page.html, /\$argon2/, 'no secret on the page');

    await createTenant({ id: 'desk-other-univ', nameJa: '別大学', nameEn: 'Another University' });
    const other = await StaffMember.create(service, 'desk-other-univ', 'desk@desk-other-univ.example', ['helpdesk']);
    await other.logIn();
    t.notRegex(
      (await other.get(`/accounts?q=${encodeURIComponent('佐藤花子')}`)).html,
      new RegExp(id),
      "another university's helpdesk finds nothing",
    );
    t.is((await other.get(`/accounts/${id}`)).status, 404, 'and cannot open the account by its id');
    t.is((await staff.get('/accounts')).status, 403, 'a reviewer alone does not search accounts');
  },
);

test.serial('the operator makes a university’s first admin with one CLI command; unknown roles are refused', async (t) => {
  await StaffMember.create(service, 'test-univ', 'first-admin@test-univ.example');
  const env = { NODE_ENV: 'test', MONGODB_URI: service.config.mongodb.uri as string, KEYS_DIR: service.config.keysDir };
  const granted = await runScript(
    'src/cli/main.ts',
    ['staff', 'roles', '--tenant', 'test-univ', '--email', 'first-admin@test-univ.example', '--roles', 'admin,reviewer'],
    env,
  );
  t.is(granted.code, 0, granted.stderr);
  t.deepEqual((await StaffModel.findOne({ email: 'first-admin@test-univ.example' }).lean())?.roles, ['admin', 'reviewer']);
  const unknown = await runScript(
    'src/cli/main.ts',
    ['staff', 'roles', '--tenant', 'test-univ', '--email', 'first-admin@test-univ.example', '--roles', 'root'],
    env,
  );
  t.not(unknown.code, 0);
  t.regex(unknown.stderr, /unknown role root: roles are reviewer, admin, helpdesk, auditor/);
  const listed = await runScript('src/cli/main.ts', ['staff', 'list', '--tenant', 'test-univ'], env);
  t.regex(listed.stdout, /first-admin@test-univ\.example\t審査 担当\tadmin,reviewer\t/);
  t.regex(listed.stdout, /reviewer@test-univ\.example\t審査 担当\treviewer\t/, 'staff made before roles are reviewers');
});

test.serial("staff of one university cannot see another university's applications", async (t) => {
  const id = await applied('isolation@example.com');
  await createTenant({ id: 'other-univ', nameJa: '他大学', nameEn: 'Other University' });
  const other = await StaffMember.create(service, 'other-univ', 'reviewer@other-univ.example');
  await other.logIn();
  t.regex((await other.get('')).html, /該当する申請はありません/);
  const foreign = await other.get(`/applications/${id}`);
  t.is(foreign.status, 404);
  const image = await other.browser.request(`${other.base}/applications/${id}/image/front`);
  t.is(image.status, 404);
  const crossing = await other.browser.request(`${staff.base}/applications/${id}`);
  t.is(crossing.status, 303, 'their session does not open the other console');
  t.regex(crossing.headers.get('location') ?? '', /\/t\/test-univ\/staff\/login$/);
});

test.serial('a wrong or reused TOTP code is refused, and the console needs a completed login', async (t) => {
  const anonymous = await new StaffMember(service, 'test-univ', 'x@example.com').browser.request(
    `${staff.base}/applications/whatever`,
  );
  t.is(anonymous.status, 303);

  const member = await StaffMember.create(service, 'test-univ', 'second.reviewer@test-univ.example');
  const enrol = await member.signIn();
  t.regex(enrol.url, /\/staff\/enrol$/);
  t.regex(enrol.html, /<img src="data:image\/png;base64,/, 'the QR code is shown');
  const wrong = await member.enterCode(enrol, '000000');
  t.is(wrong.status, 401);
  t.regex(wrong.html, /確認コードが正しくないか、すでに使用されています/);
  const code = await (await import('otplib')).generate({ secret: member.secret });
  const enrolled = await member.enterCode(wrong, code);
  t.regex(enrolled.url, /\/staff$/);
  await member.post('/logout', enrolled, {});
  t.is((await member.browser.request(`${member.base}`)).status, 303, 'logged out');

  const totp = await member.signIn();
  t.regex(totp.url, /\/staff\/totp$/);
  t.notRegex(totp.html, /data-secret/, 'the secret is never shown again');
  const replay = await member.enterCode(totp, code);
  t.is(replay.status, 401, 'the code used at enrolment cannot be used again');
  const badPassword = await member.signIn('WrongPass2026x');
  t.is(badPassword.status, 401);
  t.regex(badPassword.html, /メールアドレスまたはパスワードが正しくありません/);
});

test.serial('two staff members deciding the same application at once record one decision', async (t) => {
  const id = await applied('race@example.com');
  const other = await StaffMember.create(service, 'test-univ', 'third.reviewer@test-univ.example');
  await other.logIn();
  const [a, b] = await Promise.all([
    staff.decide(id, { action: 'approve', reason: '' }),
    other.decide(id, { action: 'reject', reason: '重複' }),
  ]);
  t.deepEqual([a.status, b.status].sort(), [200, 409], 'one decision lands (back to the list), the other is told it was decided');
  const application = await ApplicationModel.findById(id).lean();
  t.is(application?.decisions.length, 1);
});

test.serial('an applicant who chose English gets every page and the approval mail in English', async (t) => {
  const person = new Applicant(service);
  const english = await person.open('?lang=en');
  t.regex(english.html, /Mail address setting/);
  await person.apply('english.applicant@example.com');
  const application = await ApplicationModel.findOne({ email: 'english.applicant@example.com' }).lean();
  t.is(application?.lang, 'en');
  await staff.decide(application?._id.toString() ?? '', { action: 'approve', reason: '' });
  const mail = await service.smtp.waitFor(
    (m) => recipients(m) === 'english.applicant@example.com' && /Result/.test(m.subject ?? ''),
  );
  t.is(mail.subject, '[Test University] Result of the application for use');
  t.regex(mail.text ?? '', /Initial password: [A-Za-z0-9]{12}/);
  t.regex(mail.text ?? '', /Leave the second password empty/);
  t.regex(mail.text ?? '', /sent from a send-only address/);
});
