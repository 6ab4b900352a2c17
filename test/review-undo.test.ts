import test from 'ava';
import { AccountModel } from '../src/db/models/account.ts';
import { ApplicationModel } from '../src/db/models/application.ts';
import { AuditModel } from '../src/db/models/audit.ts';
import { MailModel } from '../src/db/models/mail.ts';
import { OneTimeTokenModel } from '../src/db/models/one-time-token.ts';
import { registry } from '../src/metrics.ts';
import { APPLICANT, Applicant } from './helpers/applicant.ts';
import { seedUniversity, startTestService, type TestService } from './helpers/service.ts';
import { StaffMember } from './helpers/staff.ts';

// Issue 27 item 5: after a decision the reviewer is told what was decided and, while the applicant's
// mail is held (a minute), may undo it; the applicant never hears of an undone decision.
let service: TestService;
let reviewer: StaffMember;
let colleague: StaffMember;

test.before(async () => {
  service = await startTestService('review-undo', { staff: { undoSeconds: 60 } });
  await seedUniversity(service);
  reviewer = await StaffMember.create(service, 'test-univ', 'undo@test-univ.example');
  colleague = await StaffMember.create(service, 'test-univ', 'colleague@test-univ.example');
  await reviewer.logIn();
  await colleague.logIn();
});
test.after.always(() => service?.stop());

async function applied(email: string) {
  await new Applicant(service).apply(email, APPLICANT);
  return String((await ApplicationModel.findOne({ email }).lean())?._id);
}

/** The mails to an address, the newest first. */
const mailTo = (to: string) => MailModel.find({ to }).sort({ _id: -1 }).lean();

test.serial('a reviewer approves by mistake, is told the mail waits a minute, undoes it, and decides again', async (t) => {
  const id = await applied('undo-approve@example.com');
  const decided = await reviewer.decide(id, { action: 'approve', reason: '' });
  t.regex(decided.url, /\/staff\?decided=/);
  t.regex(decided.html, /山田 太郎 さんの申請を承認しました。/);
  t.regex(decided.html, /申請者へのメールは約\d+秒後に送られます。それまでは取り消せます。/);
  t.is(await AccountModel.countDocuments({ email: 'undo-approve@example.com' }), 1);
  const [held] = await mailTo('undo-approve@example.com');
  t.is(held?.status, 'pending', 'the mail with the initial password is held');

  const undone = await reviewer.post(`/applications/${id}/undo`, decided, {});
  t.regex(undone.html, /審査結果を取り消しました。申請者にメールは送られていません。/);
  t.is(await AccountModel.countDocuments({ email: 'undo-approve@example.com' }), 0, 'the new account, never told of, is gone');
  t.is((await mailTo('undo-approve@example.com'))[0]?.status, 'cancelled');
  const application = await ApplicationModel.findById(id).lean();
  t.is(application?.status, 'pending');
  t.deepEqual(application?.decisions, []);
  t.like((await AuditModel.findOne({ event: 'application.decision_undone' }).lean())?.detail, { undone: 'approved' });

  const rejected = await reviewer.decide(id, { action: 'reject', reason: '在籍の記録がありません。' });
  t.regex(rejected.html, /山田 太郎 さんの申請を却下しました。/, 'decided again after the undo');
  t.is((await ApplicationModel.findById(id).lean())?.status, 'rejected');
  t.regex(rejected.html, /<dt>承認の割合（過去30日の承認・却下のうち）<\/dt><dd>0%<\/dd>/, 'the undone approval does not count');
  t.regex(rejected.html, /<dt>申請から審査までの時間（中央値・過去30日）<\/dt><dd>0時間<\/dd>/);
  t.regex(
    await registry.getSingleMetricAsString('cert_idp_review_decision_seconds'),
    /cert_idp_review_decision_seconds_count\{tenant="test-univ",decision="rejected"\} 1/,
  );
});

test.serial('a request for resubmission undone: its link stops working', async (t) => {
  const id = await applied('undo-resubmit@example.com');
  const decided = await reviewer.decide(id, { action: 'resubmit', reason: '画像が不鮮明です。' });
  t.is(await OneTimeTokenModel.countDocuments({ purpose: 'resubmit', ref: id }), 1);
  await reviewer.post(`/applications/${id}/undo`, decided, {});
  t.is(await OneTimeTokenModel.countDocuments({ purpose: 'resubmit', ref: id }), 0);
  t.is((await ApplicationModel.findById(id).lean())?.status, 'pending');
});

test.serial("too late, or not one's own decision: nothing is undone and the reviewer is told the mail went", async (t) => {
  const id = await applied('undo-late@example.com');
  const decided = await reviewer.decide(id, { action: 'reject', reason: '在籍の記録がありません。' });
  const notMine = await colleague.post(`/applications/${id}/undo`, await colleague.get(`/applications/${id}`), {});
  t.is(notMine.status, 409, "a colleague cannot undo another reviewer's decision");
  // The mail worker has picked the mail up: it is on its way.
  const [decisionMail] = await mailTo('undo-late@example.com');
  await MailModel.updateOne({ _id: decisionMail?._id }, { $set: { attempts: 1 } });
  const late = await reviewer.post(`/applications/${id}/undo`, decided, {});
  t.is(late.status, 409);
  t.regex(late.html, /取り消せませんでした。申請者へのメールはすでに送られています。/);
  t.is((await ApplicationModel.findById(id).lean())?.status, 'rejected');
});

test.serial("a reapplication's approval changes an existing account: it is mailed at once, with no undo offered", async (t) => {
  const id = await applied('undo-student-id@example.com');
  await ApplicationModel.updateOne({ _id: id }, { $set: { type: 'reapplication' } });
  const account = await AccountModel.findOne({ email: 'hanako.sato@example.com' }).lean();
  const decided = await reviewer.decide(id, { action: 'approve', reason: '', accountId: String(account?._id) });
  t.regex(decided.html, /申請者にメールでお知らせしました。/);
  t.notRegex(decided.html, /取り消す/);
});
