import test from 'ava';
import { ApplicationModel } from '../src/db/models/application.ts';
import { AuditModel } from '../src/db/models/audit.ts';
import { TermsVersionModel } from '../src/db/models/terms-version.ts';
import { Applicant } from './helpers/applicant.ts';
import { consoleUniversity } from './helpers/staff.ts';

// Issue 26 item 2: terms of use as versions: drafted, previewed in both languages, published; an
// application records the version its applicant agreed to.
const suite = consoleUniversity('console-terms');

/** An applicant's terms page, opened from the mailed link. */
async function termsAnApplicantSees(email: string) {
  const person = new Applicant(suite.service);
  await person.requestMail(email);
  return (await person.browser.page(await person.mailedUrl(email))).html;
}

test.serial(
  'an admin drafts new terms, previews them in both languages and publishes them; applicants agree to that version from then on',
  async (t) => {
    const page = await suite.staff.get('/terms');
    t.regex(page.html, /まだ版として公開された利用規約はありません/);
    t.regex(page.html, /第1条 本サービスは卒業生のためのものです。<\/textarea>/, 'the draft starts from what applicants see');

    const empty = await suite.staff.post('/terms/draft', page, { ja: '  ', en: 'Article 1.' });
    t.is(empty.status, 400);
    t.regex(empty.html, /<p class="field-error" id="ja-error">利用規約（日本語）を入力してください。<\/p>/);
    t.regex(empty.html, />Article 1\.<\/textarea>/, 'what was typed stays');

    const draft = await suite.staff.post('/terms/draft', empty, {
      ja: '第1条 改訂した規約です。',
      en: 'Article 1. The revised terms.',
    });
    t.regex(draft.html, /下書きを保存しました。/);
    t.regex(draft.html, /<div class="terms" tabindex="0" lang="ja">第1条 改訂した規約です。<\/div>/);
    t.regex(draft.html, /<div class="terms" tabindex="0" lang="en">Article 1\. The revised terms\.<\/div>/);
    t.regex(
      await termsAnApplicantSees('before-publish@example.com'),
      /本サービスは卒業生のためのものです/,
      'applicants see nothing of a draft',
    );

    const published = await suite.staff.post('/terms/publish', draft, {});
    t.regex(published.html, /利用規約を公開しました。/);
    t.regex(published.html, /申請者には現在、第1版が表示されています。/);
    t.regex(published.html, /第1版（/);
    t.is((await TermsVersionModel.findById('test-univ:1').lean())?.text?.en, 'Article 1. The revised terms.');
    t.regex(await termsAnApplicantSees('after-publish@example.com'), /第1条 改訂した規約です。/);

    await new Applicant(suite.service).apply('agreed-v1@example.com');
    t.is((await ApplicationModel.findOne({ email: 'agreed-v1@example.com' }).lean())?.termsVersion, 1);
    t.like((await AuditModel.findOne({ event: 'console.terms_published' }).lean())?.detail, { version: 1 });

    const again = await suite.staff.post('/terms/publish', published, {});
    t.is(again.status, 409, 'nothing to publish without a new draft');
    t.is(await TermsVersionModel.countDocuments({ tenantId: 'test-univ' }), 1);
  },
);
