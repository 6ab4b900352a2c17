import test from 'ava';
import * as oidc from 'openid-client';
import { createGraduate, parseName } from '../src/admin/accounts.ts';
import { ApplicationModel } from '../src/db/models/application.ts';
import { Browser } from './helpers/browser.ts';
import { completeLogin, relyingParty } from './helpers/relying-party.ts';
import { GRADUATE, seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { recipients } from './helpers/smtp-sink.ts';
import { StaffMember } from './helpers/staff.ts';

let service: TestService;
let university: Awaited<ReturnType<typeof seedUniversity>>;
let rp: oidc.Configuration;
let staff: StaffMember;

test.before(async () => {
  service = await startTestService('student-id');
  university = await seedUniversity(service);
  rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
  staff = await StaffMember.create(service, 'test-univ', 'ids@test-univ.example');
  await staff.logIn();
});
test.after.always(() => service?.stop());

const SECOND_ID = {
  schoolNameKanji: '佐藤 花子',
  schoolNameKana: 'サトウ ハナコ',
  schoolNameRoman: 'SATO Hanako',
  catalogue: 'let-jpn',
  studentId: '21M0007',
  graduation: '2023-03',
  graduationType: 'graduated',
};

/** From the account menu: notes → Send → mail → form → Check → Application. */
async function requestStudentId(browser: Browser, email: string, values: Record<string, string>) {
  const base = `${service.issuer}/t/test-univ/account/student-id`;
  const start = await browser.page(base);
  const sent = await browser.submit(base, start, {});
  const mail = await service.smtp.waitFor((m) => recipients(m) === email && /学籍番号の追加登録/.test(m.subject ?? ''));
  const url = (mail.text ?? '').match(/(http\S+\/student-id\/form\/\S+)/)?.[1] as string;
  const form = await browser.page(url);
  const confirm = await browser.submit(url, form, values);
  const accepted = await browser.submit(url, confirm, { ...values, confirmed: 'yes' });
  return { sent, form, confirm, accepted, url };
}

test.serial(
  'a graduate registers an additional student ID, staff approve it, and the relying party receives both IDs',
  async (t) => {
    const { browser } = await completeLogin(rp, GRADUATE);
    const menu = await browser.page(`${service.issuer}/t/test-univ/account`);
    t.regex(menu.html, /学籍番号の追加登録/);
    const steps = await requestStudentId(browser, GRADUATE.email, SECOND_ID);
    t.regex(steps.sent.html, /申請を受け付けました/);
    t.regex(steps.form.html, /在学時氏名/);
    t.regex(steps.confirm.html, /21M0007/);
    t.regex(steps.accepted.html, /学籍番号の追加申請を受け付けました/);
    t.is((await new Browser().page(steps.url)).status, 410, 'the URL works once');

    const application = await ApplicationModel.findOne({ type: 'student-id', 'values.studentId': '21M0007' }).lean();
    const id = application?._id.toString() ?? '';
    const queue = await staff.get('');
    t.regex(queue.html, /<td data-label="申請種別">学籍番号追加<\/td>/, 'the short type label');
    const detail = await staff.get(`/applications/${id}`);
    t.regex(detail.html, /登録済みの学籍番号: 19B0042/);
    t.notRegex(detail.html, /再提出を依頼する/, 'an additional student ID is approved or rejected');
    t.notRegex(detail.html, /別のアカウント/);
    await staff.post(`/applications/${id}/decide`, detail, { action: 'approve', reason: '' });

    const mail = await service.smtp.waitFor(
      (m) => recipients(m) === GRADUATE.email && /学籍番号の追加/.test(m.subject ?? '') && /追加しました/.test(m.text ?? ''),
    );
    t.regex(mail.text ?? '', /学籍番号：21M0007/);
    t.is(mail.subject, '【テスト大学】学籍番号の追加登録完了', 'its own subject, not the rejection one');
    t.regex(
      mail.text ?? '',
      /日時：.*（日本時間）[\s\S]*お心当たりのない場合は[\s\S]*\/t\/test-univ\/password-reset/,
      'told like every change',
    );
    const { tokens } = await completeLogin(rp, GRADUATE);
    const numbers = (value: unknown) => (value as Array<{ number: string }>).map((s) => s.number);
    t.deepEqual(numbers(tokens.claims()?.student_ids), ['19B0042', '21M0007']);
    const userinfo = await oidc.fetchUserInfo(rp, tokens.access_token, university.accountId);
    t.deepEqual(numbers(userinfo.student_ids), ['19B0042', '21M0007']);
    t.deepEqual((userinfo.student_ids as Array<Record<string, string>>)[1], {
      number: '21M0007',
      university: 'テスト大学',
      'university#ja': 'テスト大学',
      department: '文学部',
      subject: '日本文学科',
      'university#en': 'Test University',
      'department#en': 'Faculty of Letters',
      'subject#en': 'Japanese Literature',
      graduation: '2023-03',
      status: 'graduated',
    });
    t.false('department#en' in ((userinfo.student_ids as Array<Record<string, string>>)[0] ?? {}), 'no empty English names');
  },
);

test.serial(
  'a student ID already held by another account is flagged to the staff, and a rejection is mailed with the reason',
  async (t) => {
    const other = { email: 'other.holder@example.com', password: 'Holder2026pw', secondPassword: 'Holder2026two' };
    await createGraduate(service.hasher, {
      tenantId: 'test-univ',
      ...other,
      name: { kanji: parseName('別人 次郎', 'name') },
      studentIds: [],
    });
    const { browser } = await completeLogin(rp, other);
    const steps = await requestStudentId(browser, other.email, { ...SECOND_ID, studentId: '19B0042' });
    t.regex(steps.accepted.html, /受け付けました/);
    const application = await ApplicationModel.findOne({ type: 'student-id', email: other.email }).lean();
    const id = application?._id.toString() ?? '';
    const detail = await staff.get(`/applications/${id}`);
    t.regex(detail.html, /この学籍番号は別のアカウント（hanako\.sato@example\.com）に登録されています/);
    const resubmit = await staff.post(`/applications/${id}/decide`, detail, { action: 'resubmit', reason: 'x' });
    t.is(resubmit.status, 400);
    await staff.post(`/applications/${id}/decide`, detail, { action: 'reject', reason: '別の方の学籍番号です。' });
    const mail = await service.smtp.waitFor((m) => recipients(m) === other.email && /承認されませんでした/.test(m.text ?? ''));
    t.regex(mail.text ?? '', /理由：別の方の学籍番号です。/);
    t.is(mail.subject, '【テスト大学】学籍番号の追加登録の審査結果');
    const { tokens } = await completeLogin(rp, other);
    t.deepEqual(tokens.claims()?.student_ids, []);
  },
);

test.serial('the additional student ID form requires the student ID and names each wrong item', async (t) => {
  const { browser } = await completeLogin(rp, GRADUATE);
  const base = `${service.issuer}/t/test-univ/account/student-id`;
  const before = service.smtp.messages.length;
  await browser.submit(base, await browser.page(base), {});
  const mail = await service.smtp.waitFor(
    (m) =>
      service.smtp.messages.indexOf(m) >= before &&
      recipients(m) === GRADUATE.email &&
      /学籍番号の追加登録/.test(m.subject ?? ''),
  );
  const url = (mail.text ?? '').match(/(http\S+\/student-id\/form\/\S+)/)?.[1] as string;
  const form = await browser.page(url);
  const wrong = await browser.submit(url, form, { ...SECOND_ID, studentId: '', graduation: '2023-13' });
  t.is(wrong.status, 400);
  t.regex(wrong.html, /id="studentId-error"[^>]*>学籍番号を入力してください/);
  t.regex(wrong.html, /id="graduation-error"/);
  t.regex(wrong.html, /value="サトウ ハナコ"/);

  // Back on the confirmation screen (as the manual shows) returns to the form as it was filled in.
  const confirm = await browser.submit(url, wrong, SECOND_ID);
  t.regex(confirm.html, /name="back" value="yes"/);
  const back = await browser.submit(url, confirm, { ...SECOND_ID, confirmed: 'yes', back: 'yes' });
  t.is(back.status, 200);
  t.regex(back.html, new RegExp(`id="studentId" name="studentId"[^>]*value="${SECOND_ID.studentId}"`));
  t.notRegex(back.html, /学籍番号の追加申請を受け付けました/);
});
