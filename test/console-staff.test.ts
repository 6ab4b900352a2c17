import test from 'ava';
import { createTenant } from '../src/admin/tenants.ts';
import { AuditModel } from '../src/db/models/audit.ts';
import { StaffModel, StaffSessionModel } from '../src/db/models/staff.ts';
import { Browser, formAction, inputValue } from './helpers/browser.ts';
import { runScript } from './helpers/run.ts';
import { recipients } from './helpers/smtp-sink.ts';
import { consoleUniversity, StaffMember } from './helpers/staff.ts';

// Issue 26 item 6: a university's admins invite and manage their own staff.
const suite = consoleUniversity('console-staff');

const staffId = async (email: string) =>
  (await StaffModel.findOne({ tenantId: 'test-univ', email }).lean())?._id.toString() as string;

/** The invited person opens the mailed link, sets a password and enrols TOTP; returns their console session. */
async function acceptInvitation(email: string) {
  const mail = await suite.service.smtp.waitFor((m) => recipients(m) === email && /招待/.test(m.subject ?? ''));
  const url = (mail.text ?? '').match(/https?:\/\/\S+\/staff\/invite\/\S+/)?.[0] as string;
  const member = new StaffMember(suite.service, 'test-univ', email);
  const page = await member.browser.page(url);
  return { member, url, page, mail };
}

test.serial(
  'an admin invites a reviewer by mail; the new colleague sets a password from the link, enrols an authenticator and reviews; the link works once',
  async (t) => {
    const members = await suite.staff.get('/members');
    t.regex(members.html, /<h1>職員<\/h1>/);
    const missing = await suite.staff.post('/members/invite', members, {
      name: '',
      email: 'not-an-address',
      'role-reviewer': '',
    });
    t.is(missing.status, 400);
    t.regex(missing.html, /氏名を入力してください。/);
    t.regex(missing.html, /役割を1つ以上選んでください。/);
    t.regex(missing.html, /value="not-an-address"/, 'what was typed is kept');

    const sent = await suite.staff.post('/members/invite', missing, {
      name: '新人 審査',
      email: 'newcomer@test-univ.example',
      'role-reviewer': 'on',
    });
    t.true(sent.url.endsWith('/members?done=invited'));
    t.regex(sent.html, /招待メールを送信しました。/);
    t.regex(sent.html, /newcomer@test-univ\.example<\/td>\s*<td[^>]*>審査<\/td>\s*<td[^>]*>招待中（未設定）/);
    const taken = await suite.staff.post('/members/invite', sent, {
      name: 'x',
      email: 'NEWCOMER@test-univ.example',
      'role-auditor': 'on',
    });
    t.is(taken.status, 409);
    t.regex(taken.html, /このメールアドレスの職員はすでに登録されています。/);

    const { member, url, page, mail } = await acceptInvitation('newcomer@test-univ.example');
    t.regex(mail.text ?? '', /有効期限：72時間/);
    t.regex(page.html, /新人 審査さん（newcomer@test-univ\.example）のパスワードを設定します。/);
    const action = new URL(formAction(page.html), url).href;
    const weak = await member.browser.postForm(action, {
      _csrf: inputValue(page.html, '_csrf'),
      password: 'Short1a',
      passwordConfirm: 'Short1a',
    });
    const weakHtml = (await weak.response?.text()) ?? '';
    t.is(weak.response?.status, 400);
    t.regex(weakHtml, /12文字以上にしてください（職員のパスワード）。/);
    const enrol = await member.browser.postForm(action, {
      _csrf: inputValue(weakHtml, '_csrf'),
      password: member.password,
      passwordConfirm: member.password,
    });
    t.regex(enrol.url, /\/staff\/enrol$/, 'straight on to enrolling an authenticator');
    const enrolHtml = (await enrol.response?.text()) ?? '';
    const queue = await member.enterCode({ url: enrol.url, html: enrolHtml });
    t.regex(queue.html, /利用申請の一覧/, 'the new reviewer reviews');
    t.notRegex(queue.html, /href="\/t\/test-univ\/staff\/members"/, 'a reviewer has no staff page link');
    t.is((await member.get('/members')).status, 403);

    const again = await new Browser().page(url);
    t.is(again.status, 410, 'the invitation link works once');
    t.truthy(await AuditModel.exists({ event: 'staff.invited', 'detail.roles': 'reviewer' }));
    t.truthy(
      await AuditModel.exists({ event: 'staff.invitation_accepted', staffId: await staffId('newcomer@test-univ.example') }),
    );
  },
);

test.serial(
  'an admin changes a colleague’s roles, disables them at once, resets a lost authenticator; never their own',
  async (t) => {
    const colleague = await StaffMember.create(suite.service, 'test-univ', 'colleague@test-univ.example', ['reviewer']);
    await colleague.logIn();
    const id = await staffId(colleague.email);

    const page = await suite.staff.get(`/members/${id}`);
    const none = await suite.staff.post(`/members/${id}/roles`, page, {});
    t.is(none.status, 400);
    t.regex(none.html, /役割を1つ以上選んでください。/);
    const roles = await suite.staff.post(`/members/${id}/roles`, none, { 'role-reviewer': 'on', 'role-helpdesk': 'on' });
    t.regex(roles.html, /役割を保存しました。/);
    t.is((await colleague.get('/accounts')).status, 200, 'the new role applies on the next page');
    t.like((await AuditModel.findOne({ event: 'staff.roles', 'detail.member': id }).lean())?.detail, {
      before: 'reviewer',
      after: 'reviewer,helpdesk',
    });

    const disabled = await suite.staff.post(`/members/${id}/disable`, roles, {});
    t.regex(disabled.html, /職員を利用停止にしました。/);
    t.regex((await colleague.get('/accounts')).url, /\/staff\/login$/, 'the open console stops at once');
    t.regex((await colleague.signIn()).html, /メールアドレスまたはパスワードが正しくありません。/);
    const enabled = await suite.staff.post(`/members/${id}/enable`, disabled, {});
    t.regex(enabled.html, /職員の利用を再開しました。/);

    await colleague.logIn();
    const reset = await suite.staff.post(`/members/${id}/reset-factor`, enabled, {});
    t.regex(reset.html, /認証アプリとパスキーをリセットしました。/);
    t.is(await StaffSessionModel.countDocuments({ staffId: id }), 0, 'their consoles end');
    const signIn = await colleague.signIn();
    t.regex(signIn.url, /\/staff\/enrol$/, 'the next sign-in enrols a new authenticator');

    const adminId = await staffId(suite.staff.email);
    const own = await suite.staff.get(`/members/${adminId}`);
    t.regex(own.html, /ご自身の役割や状態、認証の再設定は、別の管理者が行います。/);
    const selfDisable = await suite.staff.post(`/members/${adminId}/disable`, own, {});
    t.is(selfDisable.status, 409);
    t.false(Boolean((await StaffModel.findById(adminId).lean())?.disabled));
  },
);

test.serial('only admins manage staff: a helpdesk member gets 403, another university’s admin 404', async (t) => {
  const desk = await StaffMember.create(suite.service, 'test-univ', 'desk2@test-univ.example', ['helpdesk']);
  await desk.logIn();
  const id = await staffId(suite.staff.email);
  t.is((await desk.get('/members')).status, 403);
  const deskPage = await desk.get('/accounts');
  t.is((await desk.post(`/members/${id}/disable`, deskPage, {})).status, 403);
  t.is(
    (await desk.post('/members/invite', deskPage, { name: 'x', email: 'x@test-univ.example', 'role-admin': 'on' })).status,
    403,
  );
  t.falsy(await StaffModel.exists({ email: 'x@test-univ.example' }));

  await createTenant({ id: 'other-staff', nameJa: '他大学', nameEn: 'Other', inquiryJa: '他', inquiryEn: 'Other' });
  const stranger = await StaffMember.create(suite.service, 'other-staff', 'admin@other-staff.example', ['admin']);
  await stranger.logIn();
  t.is((await stranger.get(`/members/${id}`)).status, 404);
  const strangerPage = await stranger.get('/members');
  t.notRegex(strangerPage.html, /admin@test-univ\.example/, 'another university’s staff are not listed');
  t.is((await stranger.post(`/members/${id}/disable`, strangerPage, {})).status, 404);
  t.false(Boolean((await StaffModel.findById(id).lean())?.disabled));
});

test.serial(
  'one operator command onboards a university: its first admin gets the invitation mail and opens the console',
  async (t) => {
    const cli = await runScript(
      'src/cli/main.ts',
      [
        'tenant',
        'create',
        '--id',
        'new-univ',
        '--name-ja',
        '新大学',
        '--name-en',
        'New University',
        '--admin-email',
        'first@new-univ.example',
        '--admin-name',
        '初代 管理者',
      ],
      { NODE_ENV: 'test', MONGODB_URI: suite.service.config.mongodb.uri as string, ISSUER: suite.service.issuer },
    );
    t.is(cli.code, 0, cli.stderr);
    t.regex(cli.stdout, /tenant new-univ created/);
    t.regex(cli.stdout, /first@new-univ\.example gets a link valid for 72 hours/);
    const mail = await suite.service.smtp.waitFor((m) => recipients(m) === 'first@new-univ.example');
    t.regex(mail.subject ?? '', /【新大学】職員アカウントへの招待/);
    const url = (mail.text ?? '').match(/https?:\/\/\S+\/staff\/invite\/\S+/)?.[0] as string;
    t.true(url.startsWith(`${suite.service.issuer}/t/new-univ/staff/invite/`));
    const first = new StaffMember(suite.service, 'new-univ', 'first@new-univ.example');
    const page = await first.browser.page(url);
    const enrol = await first.browser.postForm(new URL(formAction(page.html), url).href, {
      _csrf: inputValue(page.html, '_csrf'),
      password: first.password,
      passwordConfirm: first.password,
    });
    const home = await first.enterCode({ url: enrol.url, html: (await enrol.response?.text()) ?? '' });
    t.true(home.url.endsWith('/t/new-univ/staff/accounts'), 'an admin starts at the accounts');
    t.regex(home.html, /href="\/t\/new-univ\/staff\/settings"/, 'and finds the settings');
  },
);
