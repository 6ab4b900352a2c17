import test from 'ava';
import * as oidc from 'openid-client';
import { createTenant } from '../src/admin/tenants.ts';
import { AuditModel } from '../src/db/models/audit.ts';
import { ClientModel } from '../src/db/models/client.ts';
import { completeLogin, relyingParty, startLogin } from './helpers/relying-party.ts';
import { GRADUATE, REDIRECT_URI } from './helpers/service.ts';
import { consoleUniversity, StaffMember } from './helpers/staff.ts';

// Issue 26 item 5: a university's admin registers and runs its relying parties in the console.
const suite = consoleUniversity('console-clients');

const fields = (name: string) => ({
  type: 'confidential',
  name,
  redirectUris: REDIRECT_URI,
  postLogoutRedirectUris: 'http://127.0.0.1:9999/',
  backchannelLogoutUri: '',
  homeUrl: 'https://cert.test-univ.example/',
});

/** Adds a relying party in the console; returns its id and the secret read off the page shown once. */
async function addRelyingParty(name: string) {
  const list = await suite.staff.get('/clients');
  const shown = await suite.staff.post('/clients', list, fields(name));
  const id = shown.html.match(/data-client-id>([^<]+)</)?.[1] as string;
  const secret = shown.html.match(/data-client-secret>([^<]+)</)?.[1] as string;
  return { id, secret, shown };
}

test.serial('an admin adds a relying party, sees its secret once, and graduates log in through it', async (t) => {
  const list = await suite.staff.get('/clients');
  t.regex(list.html, /<h1>連携サービス<\/h1>/);
  t.notRegex(list.html, /undefined/, 'an empty form is empty');
  const wrong = await suite.staff.post('/clients', list, {
    ...fields(''),
    redirectUris: 'http://cert.example/callback\nhttps://cert.example/cb#part\nnot a url',
  });
  t.is(wrong.status, 400);
  t.regex(wrong.html, /名称を入力してください。/);
  t.regex(wrong.html, /「http:\/\/cert\.example\/callback」は https で始めてください/);
  t.regex(wrong.html, /https:\/\/cert\.example\/cb#part\nnot a url<\/textarea>/, 'what was typed stays');
  t.is(await ClientModel.countDocuments({ name: '' }), 0);

  const { id, secret, shown } = await addRelyingParty('証明書発行サービス');
  t.regex(shown.html, /このシークレットはこの画面で一度だけ表示されます。/);
  t.true((await ClientModel.findById(id).lean())?.secretHash?.startsWith('sha256:'), 'only its digest is stored');
  t.false(JSON.stringify(await ClientModel.findById(id).lean()).includes(secret));
  const rp = await relyingParty(suite.service.issuer, id, secret);
  const { tokens } = await completeLogin(rp, GRADUATE);
  t.truthy(tokens.id_token);
  t.truthy(await AuditModel.exists({ event: 'console.client_created', 'detail.client': id }));
});

test.serial('an admin issues a new secret with a day of overlap: both work until the old one is dropped', async (t) => {
  const { id, secret: first } = await addRelyingParty('Rotating service');
  const { tokens } = await completeLogin(await relyingParty(suite.service.issuer, id, first), GRADUATE);

  const page = await suite.staff.get(`/clients/${id}`);
  const rotated = await suite.staff.post(`/clients/${id}/rotate`, page, { overlap: '1440' });
  const second = rotated.html.match(/data-client-secret>([^<]+)</)?.[1] as string;
  t.not(second, first);
  const withOld = await oidc.refreshTokenGrant(
    await relyingParty(suite.service.issuer, id, first),
    tokens.refresh_token as string,
  );
  const withNew = await oidc.refreshTokenGrant(
    await relyingParty(suite.service.issuer, id, second),
    withOld.refresh_token as string,
  );
  t.truthy(withNew.access_token, 'the old and the new secret both work during the overlap');
  t.regex((await suite.staff.get(`/clients/${id}`)).html, /古いシークレット/);

  const again = await suite.staff.post(`/clients/${id}/rotate`, await suite.staff.get(`/clients/${id}`), { overlap: '0' });
  const third = again.html.match(/data-client-secret>([^<]+)</)?.[1] as string;
  await t.throwsAsync(
    oidc.refreshTokenGrant(await relyingParty(suite.service.issuer, id, second), withNew.refresh_token as string),
  );
  const withThird = await oidc.refreshTokenGrant(
    await relyingParty(suite.service.issuer, id, third),
    withNew.refresh_token as string,
  );
  t.truthy(withThird.access_token, 'without overlap only the newest works');
  t.like((await AuditModel.findOne({ event: 'console.client_secret_rotated', 'detail.client': id }).lean())?.detail, {
    overlapMinutes: 1440,
  });
});

test.serial(
  'a disabled relying party gets no login and no token until it is enabled; its settings are edited in place',
  async (t) => {
    const { id, secret } = await addRelyingParty('Paused service');
    const rp = await relyingParty(suite.service.issuer, id, secret);
    const { tokens } = await completeLogin(rp, GRADUATE);
    const page = await suite.staff.get(`/clients/${id}`);
    const disabled = await suite.staff.post(`/clients/${id}/disable`, page, {});
    t.regex(disabled.html, /連携サービスを停止しました。/);
    await t.throwsAsync(oidc.refreshTokenGrant(rp, tokens.refresh_token as string));
    const login = await startLogin(rp);
    t.notRegex(login.page, /卒業生ログイン/, 'the login page does not open for it');

    const enabled = await suite.staff.post(`/clients/${id}/enable`, disabled, {});
    t.regex(enabled.html, /連携サービスを再開しました。/);
    const saved = await suite.staff.post(`/clients/${id}/save`, enabled, { ...fields('Renamed service'), homeUrl: '' });
    t.regex(saved.html, /設定を保存しました。/);
    const stored = await ClientModel.findById(id).lean();
    t.is(stored?.name, 'Renamed service');
    t.is(stored?.homeUrl, undefined, 'a URL emptied is removed');
    t.truthy((await completeLogin(rp, GRADUATE)).tokens.id_token);
  },
);

test.serial('only this university’s admins see its relying parties', async (t) => {
  const id = (await ClientModel.findOne({ tenantId: 'test-univ' }).lean())?._id as string;
  const desk = await StaffMember.create(suite.service, 'test-univ', 'desk@test-univ.example', ['helpdesk']);
  await desk.logIn();
  t.is((await desk.get('/clients')).status, 403);
  await createTenant({ id: 'other-rp', nameJa: '他大学', nameEn: 'Other', inquiryJa: '他', inquiryEn: 'Other' });
  const stranger = await StaffMember.create(suite.service, 'other-rp', 'admin@other-rp.example', ['admin']);
  await stranger.logIn();
  t.is((await stranger.get(`/clients/${id}`)).status, 404);
  const theirs = await stranger.get('/clients');
  t.notRegex(theirs.html, new RegExp(id));
  t.is((await stranger.post(`/clients/${id}/disable`, theirs, {})).status, 404);
  t.false(Boolean((await ClientModel.findById(id).lean())?.disabled));
});

test.serial('an admin names a relying party in Japanese and in English, and edits both', async (t) => {
  const list = await suite.staff.get('/clients');
  const shown = await suite.staff.post('/clients', list, { ...fields('証明書発行サービス'), nameEn: 'Certificate service' });
  const id = shown.html.match(/data-client-id>([^<]+)</)?.[1] as string;
  t.is((await ClientModel.findById(id).lean())?.nameEn, 'Certificate service');
  const page = await suite.staff.get(`/clients/${id}`);
  t.regex(page.html, /value="Certificate service"/);
});
