import test from 'ava';
import { AuditModel } from '../src/db/models/audit.ts';
import { TenantModel } from '../src/db/models/tenant.ts';
import { Browser, inputValue } from './helpers/browser.ts';
import { startLogin } from './helpers/relying-party.ts';
import { GRADUATE } from './helpers/service.ts';
import { recipients } from './helpers/smtp-sink.ts';
import { consoleUniversity, StaffMember } from './helpers/staff.ts';

// Issue 26 item 1: a university's admin changes its settings in the console.
const suite = consoleUniversity('console-settings');

/** Every field of the settings form as the page shows it, with `changes` over it. */
function form(html: string, changes: Record<string, string>): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [, name, value] of html.matchAll(/<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g))
    fields[name as string] = value as string;
  for (const [, name] of html.matchAll(/<input type="checkbox" name="([^"]+)" value="on" checked>/g))
    fields[name as string] = 'on';
  for (const [, name] of html.matchAll(/<input type="checkbox" name="([^"]+)" value="on">/g)) delete fields[name as string];
  for (const [, name, options] of html.matchAll(/<select id="[^"]+" name="([^"]+)"[^>]*>([\s\S]*?)<\/select>/g)) {
    fields[name as string] = (options as string).match(/<option value="([^"]+)" selected>/)?.[1] ?? '';
  }
  delete fields._csrf;
  return { ...fields, ...changes };
}

test.serial(
  'an admin renames the university and its inquiry contact; the login page says so at once, and the change is audited',
  async (t) => {
    const page = await suite.staff.get('/settings');
    t.regex(page.html, /<h1>大学の設定<\/h1>/);
    t.is(inputValue(page.html, 'nameJa'), 'テスト大学');
    const saved = await suite.staff.post(
      '/settings',
      page,
      form(page.html, { nameJa: 'テスト工業大学', inquiryJa: '教務課 03-0000-0000', imageRetentionDays: '６０' }),
    );
    t.true(saved.url.endsWith('/settings?done=saved'));
    t.regex(saved.html, /設定を保存しました。/);
    const login = await startLogin(suite.rp);
    t.regex(login.page, /テスト工業大学/);
    t.regex(login.page, /教務課 03-0000-0000/);
    const entry = await AuditModel.findOne({ event: 'console.settings_changed' }).lean();
    t.like(entry?.detail, { changed: 'nameJa,inquiryJa,imageRetentionDays' });
    t.is((await TenantModel.findById('test-univ').lean())?.imageRetentionDays, 60, 'full-width digits are read as digits');
    t.is(JSON.parse(entry?.detail?.before).nameJa, 'テスト大学');
    t.is(JSON.parse(entry?.detail?.after).nameJa, 'テスト工業大学');
  },
);

test.serial('wrong settings are refused beside each field, nothing is saved and what was typed stays', async (t) => {
  const page = await suite.staff.get('/settings');
  const before = await TenantModel.findById('test-univ').lean();
  const refused = await suite.staff.post(
    '/settings',
    page,
    form(page.html, {
      nameEn: ' ',
      loginUrl: 'javascript:alert(1)',
      initialPasswordDays: '３０日',
      passkeys: 'maybe',
      graduateLogin: '',
      studentLogin: '',
    }),
  );
  t.is(refused.status, 400);
  t.regex(refused.html, /<p class="field-error" id="nameEn-error">大学名を入力してください。<\/p>/);
  t.regex(
    refused.html,
    /<p class="field-error" id="loginUrl-error">http:\/\/ または https:\/\/ で始まるURLを入力してください。<\/p>/,
  );
  t.regex(
    refused.html,
    /<p class="field-error" id="initialPasswordDays-error">1から3650までの日数を半角数字で入力してください。<\/p>/,
  );
  t.regex(refused.html, /<p class="field-error" id="passkeys-error">一覧から選んでください。<\/p>/);
  t.regex(refused.html, /<p class="field-error" id="loginMethods-error">ログイン方法を1つ以上選んでください。<\/p>/);
  t.is(inputValue(refused.html, 'loginUrl'), 'javascript:alert(1)', 'what was typed stays');
  t.deepEqual((await TenantModel.findById('test-univ').lean())?.name, before?.name, 'nothing saved');
});

test.serial('only admins open the settings: a helpdesk member and a reviewer get 403', async (t) => {
  for (const role of ['helpdesk', 'reviewer'] as const) {
    const member = await StaffMember.create(suite.service, 'test-univ', `${role}@test-univ.example`, [role]);
    await member.logIn();
    t.is((await member.get('/settings')).status, 403);
    const home = await member.get('');
    const posted = await member.post('/settings', home, { nameJa: 'x', nameEn: 'x', graduateLogin: 'on' });
    t.is(posted.status, 403);
  }
  t.not((await TenantModel.findById('test-univ').lean())?.name?.ja, 'x');
});

test.serial(
  'an admin adds the university’s own lines to the login page’s notes in both languages; one language alone is refused',
  async (t) => {
    const page = await suite.staff.get('/notes');
    t.regex(page.html, /<h1>画面の注意事項<\/h1>/);
    const half = await suite.staff.post('/notes', page, { 'login-ja': '窓口は平日9時から17時です。', 'login-en': '' });
    t.is(half.status, 400);
    t.regex(half.html, /<p class="field-error" id="login-en-error">日本語と英語の両方を入力してください/);
    t.regex(half.html, />窓口は平日9時から17時です。<\/textarea>/, 'what was typed stays');
    const saved = await suite.staff.post('/notes', half, {
      'login-ja': '窓口は平日9時から17時です。\n証明書の郵送は1週間かかります。',
      'login-en': 'The office is open 9:00-17:00 on weekdays.\nCertificates by post take a week.',
    });
    t.regex(saved.html, /注意事項を保存しました。/);
    const ja = (await startLogin(suite.rp)).page;
    t.regex(
      ja,
      /<li class="university-note">窓口は平日9時から17時です。<\/li><li class="university-note">証明書の郵送は1週間かかります。<\/li>/,
    );
    const en = (await startLogin(suite.rp, { ui_locales: 'en' })).page;
    t.regex(en, /<li class="university-note">The office is open 9:00-17:00 on weekdays\.<\/li>/);
    t.like((await AuditModel.findOne({ event: 'console.notes_changed' }).lean())?.detail, { screens: 'login' });
  },
);

test.serial(
  'an admin asks for 12-character passwords: a graduate resetting with 10 is told the university’s rule, beside the field and in the checklist',
  async (t) => {
    const page = await suite.staff.get('/settings');
    const saved = await suite.staff.post('/settings', page, form(page.html, { passwordMinLength: '12' }));
    t.regex(saved.html, /設定を保存しました。/);
    const tooHigh = await suite.staff.post('/settings', saved, form(saved.html, { passwordMinLength: '65' }));
    t.regex(
      tooHigh.html,
      /<p class="field-error" id="passwordMinLength-error">8から64までの数を半角数字で入力してください。<\/p>/,
    );

    const browser = new Browser();
    const request = await browser.page(`${suite.service.issuer}/t/test-univ/password-reset`);
    await browser.submit(`${suite.service.issuer}/t/test-univ/password-reset`, request, { email: GRADUATE.email });
    const mail = await suite.service.smtp.waitFor(
      (m) => recipients(m) === GRADUATE.email && /パスワード再設定/.test(m.subject ?? ''),
    );
    const url = (mail.text ?? '').match(/(http\S+\/password-reset\/\S+)/)?.[1] as string;
    const setForm = await browser.page(url);
    t.regex(setForm.html, /data-min-length="12"/);
    t.regex(setForm.html, /<li data-rule="length">12文字以上にしてください。<\/li>/);
    const short = await browser.submit(url, setForm, {
      password: 'Short2026x',
      passwordConfirm: 'Short2026x',
      secondPassword: 'Second2026xyzw',
      secondPasswordConfirm: 'Second2026xyzw',
    });
    t.is(short.status, 400);
    t.regex(short.html, /<li>12文字以上にしてください。<\/li>/);
    const long = await browser.submit(url, short, {
      password: 'Longer2026pass',
      passwordConfirm: 'Longer2026pass',
      secondPassword: 'Second2026xyzw',
      secondPasswordConfirm: 'Second2026xyzw',
    });
    t.notRegex(long.html, /12文字以上にしてください/);
    t.not(long.status, 400);
  },
);
