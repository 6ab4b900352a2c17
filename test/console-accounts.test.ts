import test from 'ava';
import * as oidc from 'openid-client';
import { createGraduate, parseName, parseStudentId } from '../src/admin/accounts.ts';
import { createTenant } from '../src/admin/tenants.ts';
import { AccountModel } from '../src/db/models/account.ts';
import { AuditModel } from '../src/db/models/audit.ts';
import { StaffModel, StaffSessionModel } from '../src/db/models/staff.ts';
import { inputValue } from './helpers/browser.ts';
import { completeLogin, startLogin, submitGraduateLogin } from './helpers/relying-party.ts';
import { addGraduate } from './helpers/service.ts';
import { recipients } from './helpers/smtp-sink.ts';
import { consoleUniversity, StaffMember, type StaffPage } from './helpers/staff.ts';

// Issue 26 item 7: what the university's helpdesk does to an account, always with a reason, audited.
const suite = consoleUniversity('console-accounts', 'helpdesk');

const idOf = async (email: string) =>
  (await AccountModel.findOne({ tenantId: 'test-univ', email }).lean())?._id.toString() as string;

/** The helpdesk member opens the account's page and posts one of its action forms. */
async function act(staff: StaffMember, accountId: string, action: string, fields: Record<string, string>): Promise<StaffPage> {
  const page = await staff.get(`/accounts/${accountId}`);
  return staff.post(`/accounts/${accountId}/actions/${action}`, page, fields);
}

const userinfoStatus = async (accessToken: string) =>
  (await fetch(`${suite.service.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status;

test.serial(
  'the helpdesk disables an account with a reason: its tokens stop, its login is refused with a way to ask the university, and enabling it lets the person back in',
  async (t) => {
    const graduate = await addGraduate(suite.service, 'stopped@example.com');
    const id = await idOf(graduate.email);
    const { tokens } = await completeLogin(suite.rp, graduate);
    t.is(await userinfoStatus(tokens.access_token), 200);

    const noReason = await act(suite.staff, id, 'disable', { reason: '  ' });
    t.is(noReason.status, 400);
    t.regex(noReason.html, /<p class="field-error" id="reason-error">理由を入力してください。<\/p>/);
    t.regex(noReason.html, /<details class="action" open>\s*<summary>利用停止<\/summary>/, 'the refused form stays open');
    t.falsy((await AccountModel.findById(id).lean())?.disabledAt, 'nothing changed');

    const disabled = await act(suite.staff, id, 'disable', { reason: '本人から紛失の連絡（電話 12/4）' });
    t.true(disabled.url.endsWith(`/accounts/${id}?done=disable`));
    t.regex(disabled.html, /アカウントを利用停止にしました。/);
    t.regex(disabled.html, /<dd>利用停止中<\/dd>/);
    t.regex(disabled.html, /理由: 本人から紛失の連絡（電話 12\/4）/);
    t.regex(disabled.html, /<summary>利用再開<\/summary>/);
    t.notRegex(disabled.html, /<summary>利用停止<\/summary>/, 'a disabled account is not offered disabling again');

    t.is(await userinfoStatus(tokens.access_token), 401, 'userinfo refuses the stopped account');
    await t.throwsAsync(
      oidc.refreshTokenGrant(suite.rp, tokens.refresh_token as string),
      undefined,
      'its refresh token is revoked',
    );
    const again = await submitGraduateLogin(await startLogin(suite.rp), graduate);
    t.is(again.status, 403);
    t.regex(again.page, /このアカウントは現在ご利用いただけません。大学の問い合わせ先へご連絡ください。/);
    t.regex(again.page, /テスト大学 教務課/, 'with the university’s inquiry contact');

    const entry = await AuditModel.findOne({ event: 'console.account_disable', accountId: id }).lean();
    t.is(entry?.staffId, (await StaffModel.findOne({ email: suite.staff.email }).lean())?._id.toString());
    t.like(entry?.detail, { reason: '本人から紛失の連絡（電話 12/4）', before: 'active', after: 'disabled' });
    t.truthy(await AuditModel.exists({ event: 'login.failed', accountId: id, 'detail.reason': 'disabled' }));

    const enabled = await act(suite.staff, id, 'enable', { reason: '本人確認済み' });
    t.regex(enabled.html, /アカウントの利用を再開しました。/);
    const back = await completeLogin(suite.rp, graduate);
    t.is(await userinfoStatus(back.tokens.access_token), 200);
  },
);

test.serial(
  'the helpdesk signs out every device of an account and sends a reset mail the person uses; no secret is shown or chosen by staff',
  async (t) => {
    const graduate = await addGraduate(suite.service, 'forgetful@example.com');
    const id = await idOf(graduate.email);
    const { browser, tokens } = await completeLogin(suite.rp, graduate);
    const account = `${suite.service.issuer}/t/test-univ/account`;
    t.regex((await browser.page(account)).html, /アカウント/);

    const page = await suite.staff.get(`/accounts/${id}`);
    t.regex(page.html, /ログイン中の端末/);
    t.regex(page.html, /Certificate front end/, 'the session shows the service it was used for');
    t.notRegex(page.html, /\$argon2id\$|passwordHash/);

    const ended = await suite.staff.post(`/accounts/${id}/actions/end-sessions`, page, { reason: '不審なログインの申告' });
    t.regex(ended.html, /すべての端末をログアウトさせました。/);
    t.regex(ended.html, /ログイン中の端末はありません。/);
    t.regex((await browser.get(account)).url, /\/interaction\//, 'the browser must log in again');
    await t.throwsAsync(oidc.refreshTokenGrant(suite.rp, tokens.refresh_token as string));

    const sent = await act(suite.staff, id, 'reset-mail', { reason: 'パスワード失念（窓口で本人確認）' });
    t.regex(sent.html, /パスワード再設定メールを送信しました。/);
    const mail = await suite.service.smtp.waitFor((m) => recipients(m) === graduate.email && /再設定/.test(m.subject ?? ''));
    const url = (mail.text ?? '').match(/https?:\/\/\S+\/password-reset\/\S+/)?.[0] as string;
    const setPage = await browser.page(url);
    t.regex(setPage.html, /name="passwordConfirm"/, 'the link opens the page where the person sets new passwords');
    t.like((await AuditModel.findOne({ event: 'console.account_reset_mail', accountId: id }).lean())?.detail, {
      reason: 'パスワード失念（窓口で本人確認）',
      mail: 'passwordReset',
    });
  },
);

test.serial(
  "the helpdesk unlinks a mistaken student ID from a graduate with two, never the last; reviewers and auditors cannot act, another university's helpdesk gets 404",
  async (t) => {
    await createGraduate(suite.service.hasher, {
      tenantId: 'test-univ',
      email: 'two-ids@example.com',
      password: 'Account2026pw',
      secondPassword: 'Second2026ac',
      name: {
        kanji: parseName('田中 次郎', 'name'),
        kana: parseName('タナカ ジロウ', 'name'),
        roman: parseName('TANAKA Jiro', 'name'),
      },
      birthdate: '1990-01-01',
      studentIds: [
        parseStudentId('10A0001:テスト大学:文学部:日本文学科:2014-03:graduated'),
        parseStudentId('99Z9999:テスト大学:理学部:物理学科:2016-03:graduated'),
      ],
    });
    const id = await idOf('two-ids@example.com');

    const reviewer = await StaffMember.create(suite.service, 'test-univ', 'rev@test-univ.example', ['reviewer']);
    await reviewer.logIn();
    const auditor = await StaffMember.create(suite.service, 'test-univ', 'aud@test-univ.example', ['auditor']);
    await auditor.logIn();
    for (const lesser of [reviewer, auditor]) {
      const queue = await lesser.get('');
      const refused = await lesser.post(`/accounts/${id}/actions/unlink`, queue, { studentId: '99Z9999', reason: 'x' });
      t.is(refused.status, 403, `${lesser.email} may not act on accounts`);
    }
    await createTenant({ id: 'other-desk', nameJa: '他大学', nameEn: 'Other', inquiryJa: '他', inquiryEn: 'Other' });
    const stranger = await StaffMember.create(suite.service, 'other-desk', 'desk@other-desk.example', ['helpdesk']);
    await stranger.logIn();
    const strangerPage = await stranger.get('/accounts');
    const elsewhere = await stranger.post(`/accounts/${id}/actions/unlink`, strangerPage, { studentId: '99Z9999', reason: 'x' });
    t.is(elsewhere.status, 404);
    const forged = await suite.staff.browser.postForm(`${suite.staff.base}/accounts/${id}/actions/unlink`, {
      studentId: '99Z9999',
      reason: 'x',
    });
    t.is(forged.response?.status, 403, 'without the form’s CSRF token');
    t.is((await AccountModel.findById(id).lean())?.studentIds.length, 2, 'nothing changed by any of them');

    const wrong = await act(suite.staff, id, 'unlink', { studentId: '00X0000', reason: '誤登録' });
    t.is(wrong.status, 400);
    t.regex(wrong.html, /このアカウントに紐付いていない学籍番号です。/);
    t.regex(wrong.html, />誤登録<\/textarea>/, 'the reason typed is kept');

    const unlinked = await act(suite.staff, id, 'unlink', { studentId: '99Z9999', reason: '別人の学籍番号を誤って追加' });
    t.regex(unlinked.html, /学籍番号の紐付けを解除しました。/, `${unlinked.status} ${unlinked.url}`);
    t.deepEqual(
      (await AccountModel.findById(id).lean())?.studentIds.map((s) => s.number),
      ['10A0001'],
    );
    t.notRegex(unlinked.html, /<summary>学籍番号の紐付けを解除<\/summary>/, 'the last student ID cannot be unlinked');
    const last = await suite.staff.post(`/accounts/${id}/actions/unlink`, unlinked, { studentId: '10A0001', reason: 'x' });
    t.is(last.status, 409);
    t.is((await AccountModel.findById(id).lean())?.studentIds.length, 1);
  },
);

test('an English-speaking helpdesk member sees the actions in English', async (t) => {
  const graduate = await addGraduate(suite.service, 'english-desk@example.com');
  const page = await suite.staff.get(`/accounts/${await idOf(graduate.email)}?lang=en`);
  t.regex(page.html, /<summary>Disable<\/summary>/);
  t.regex(page.html, /Each action needs a reason, which is recorded in the audit log\./);
  t.is(inputValue(page.html, '_csrf').length > 0, true);
});

test.serial(
  'a helpdesk member signed in over 15 minutes ago confirms with password and code before acting; what was typed is kept meanwhile',
  async (t) => {
    const member = await StaffMember.create(suite.service, 'test-univ', 'late@test-univ.example', ['helpdesk']);
    await member.logIn();
    const graduate = await addGraduate(suite.service, 'late-case@example.com');
    const id = await idOf(graduate.email);
    const staffId = (await StaffModel.findOne({ email: member.email }).lean())?._id.toString();
    await StaffSessionModel.updateMany({ staffId }, { $set: { verifiedAt: new Date(Date.now() - 16 * 60_000) } });

    const page = await member.get(`/accounts/${id}`);
    t.regex(page.html, /サインインから時間が経っているため、操作の前に本人確認が必要です。/);
    const refused = await member.post(`/accounts/${id}/actions/disable`, page, { reason: '長い理由をここに' });
    t.is(refused.status, 403);
    t.regex(refused.html, /操作の前に本人確認が必要です/);
    t.regex(refused.html, />長い理由をここに<\/textarea>/);
    t.falsy((await AccountModel.findById(id).lean())?.disabledAt);

    const confirm = await member.get(`/confirm?return=${encodeURIComponent(`/t/test-univ/staff/accounts/${id}`)}`);
    const wrong = await member.post('/confirm', confirm, {
      password: 'not-the-password',
      code: '000000',
      return: `/t/test-univ/staff/accounts/${id}`,
    });
    t.is(wrong.status, 401);
    t.regex(wrong.html, /パスワードまたは確認コードが正しくありません。/);
    const confirmed = await member.post('/confirm', wrong, {
      password: member.password,
      code: await member.nextCode(),
      return: `/t/test-univ/staff/accounts/${id}`,
    });
    t.true(confirmed.url.endsWith(`/staff/accounts/${id}`), 'back on the account page');
    t.notRegex(confirmed.html, /本人確認が必要です/);
    const done = await member.post(`/accounts/${id}/actions/disable`, confirmed, { reason: '長い理由をここに' });
    t.regex(done.html, /アカウントを利用停止にしました。/);
    t.truthy(await AuditModel.exists({ event: 'staff.stepped_up', staffId }));
    t.truthy(await AuditModel.exists({ event: 'staff.reauth_failed', staffId }));

    const away = await member.get(`/confirm?return=${encodeURIComponent('https://evil.example/')}`);
    t.regex(away.html, /name="return" value="\/t\/test-univ\/staff"/, 'only a console page is a place to come back to');
  },
);
