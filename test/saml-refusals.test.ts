import test from 'ava';
import type * as oidc from 'openid-client';
import { generate } from 'selfsigned';
import { AccountModel } from '../src/db/models/account.ts';
import { AuditModel } from '../src/db/models/audit.ts';
import { PendingLoginModel } from '../src/db/models/pending-login.ts';
import { SamlLinkModel } from '../src/db/models/saml.ts';
import { type SimpleSamlPhp, STUDENTS, startSimpleSamlPhp } from '../src/dev/simplesamlphp.ts';
import { Browser, inputValue } from './helpers/browser.ts';
import { relyingParty, startLogin } from './helpers/relying-party.ts';
import {
  assertionXml,
  encode,
  pendingRequest,
  postResponse,
  type ResponseFields,
  responseXml,
  signAssertion,
} from './helpers/saml-forger.ts';
import { seedSamlUniversity } from './helpers/saml-student.ts';
import { startTestService, type TestService } from './helpers/service.ts';

let service: TestService;
let ssp: SimpleSamlPhp;
let rp: oidc.Configuration;
let acs: string;
let entityId: string;
let otherKey: { privateKey: string; certificate: string };

test.before(async () => {
  service = await startTestService('saml-refusals');
  ssp = await startSimpleSamlPhp();
  const university = await seedSamlUniversity(service, ssp, 'test-univ');
  rp = await relyingParty(service.issuer, university.client.id, university.client.secret);
  acs = `${service.issuer}/t/test-univ/saml/acs`;
  entityId = `${service.issuer}/t/test-univ/saml/metadata`;
  const pems = await generate([{ name: 'commonName', value: 'attacker.example' }], { keySize: 2048, algorithm: 'sha256' });
  otherKey = { privateKey: pems.private, certificate: pems.cert };
});

test.after.always(async () => {
  await ssp?.stop();
  await service?.stop();
});

/** A login waiting at the university's sign-in, and a response to it that is right in every way. */
async function waitingLogin() {
  const login = await startLogin(rp, { prompt: 'login' });
  const path = login.page.match(/href="(\/interaction\/[^"]+\/saml\/campus)"/)?.[1] as string;
  const request = await pendingRequest(login.browser, new URL(path, login.pageUrl).href);
  const fields: ResponseFields = {
    issuer: ssp.entityId,
    acs,
    audience: entityId,
    inResponseTo: request.id,
    nameIdXml: 'z9999999',
    attributes: { studentNumber: 'Z9999999', jasn: '偽', jaGivenName: '太郎' },
    signer: { privateKey: ssp.privateKey, certificate: ssp.certificate },
  };
  return { browser: login.browser, request, fields };
}

const send = (w: Awaited<ReturnType<typeof waitingLogin>>, xml: string) =>
  postResponse(w.browser, acs, encode(xml), w.request.relayState);

async function refused(
  t: import('ava').ExecutionContext,
  result: { status?: number; html: string },
  message: RegExp,
  reason: string,
) {
  t.is(result.status, 400);
  t.regex(result.html, message);
  t.is(await SamlLinkModel.countDocuments({ _id: /z9999999/ }), 0, 'no link was created');
  t.is(await AccountModel.countDocuments({ 'studentIds.number': 'Z9999999' }), 0, 'no account was created');
  const logged = await AuditModel.findOne({ event: 'login.failed', 'detail.method': 'student-saml' }).sort({ at: -1 }).lean();
  t.is((logged?.detail as { reason?: string })?.reason, reason, 'the refusal is logged with its reason');
}

test.serial('a response that is right in every way is accepted (so the refusals below are about one thing each)', async (t) => {
  const w = await waitingLogin();
  const result = await send(w, responseXml(w.fields, assertionXml(w.fields)));
  t.is(result.status, 200);
  t.regex(result.html, /メールアドレス設定/);
  await SamlLinkModel.deleteMany({});
  await AccountModel.deleteMany({ kind: 'student' });
});

test.serial(
  "a university's multi-factor sign-in (REFEDS MFA) is recorded as a method of the login; a password one is not",
  async (t) => {
    for (const [authnContext, methods] of [
      ['https://refeds.org/profile/mfa', ['saml', 'mfa']],
      ['urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport', ['saml']],
    ] as const) {
      const w = await waitingLogin();
      const result = await send(w, responseXml(w.fields, assertionXml({ ...w.fields, authnContext })));
      t.is(result.status, 200);
      const uid = new URL(result.url).pathname.split('/')[2] as string;
      t.deepEqual((await PendingLoginModel.findById(uid).lean())?.methods, [...methods], authnContext);
      await SamlLinkModel.deleteMany({});
      await AccountModel.deleteMany({ kind: 'student' });
    }
  },
);

test.serial('an unsigned response is refused', async (t) => {
  const w = await waitingLogin();
  const fields = { ...w.fields, signer: undefined };
  await refused(t, await send(w, responseXml(fields, assertionXml(fields))), /検証できませんでした/, 'signature');
});

test.serial('a response signed with another key than the IdP metadata names is refused', async (t) => {
  const w = await waitingLogin();
  const fields = { ...w.fields, signer: otherKey };
  await refused(t, await send(w, responseXml(fields, assertionXml(fields))), /検証できませんでした/, 'signature');
});

test.serial('a response for another service (wrong audience) is refused', async (t) => {
  const w = await waitingLogin();
  const fields = { ...w.fields, audience: 'https://other-service.example/sp' };
  await refused(t, await send(w, responseXml(fields, assertionXml(fields))), /別のサービス宛て/, 'audience');
});

test.serial('a response addressed to another ACS is refused', async (t) => {
  const w = await waitingLogin();
  const fields = { ...w.fields, acs: 'https://other-service.example/acs' };
  const result = await send(w, responseXml({ ...fields, acs }, assertionXml(fields)));
  await refused(t, result, /宛先が別のサービス/, 'recipient');
});

test.serial('an expired assertion is refused', async (t) => {
  const w = await waitingLogin();
  const hourAgo = Date.now() - 3_600_000;
  const fields = { ...w.fields, notBefore: new Date(hourAgo - 300_000), notOnOrAfter: new Date(hourAgo) };
  await refused(t, await send(w, responseXml(fields, assertionXml(fields))), /有効期限が切れています/, 'expired');
});

test.serial('a response to another request, or to none, is refused', async (t) => {
  const w = await waitingLogin();
  const other = { ...w.fields, inResponseTo: '_not-our-request' };
  await refused(
    t,
    await send(w, responseXml(w.fields, assertionXml(other))),
    /このサービスで開始したログインのものではない/,
    'unknownRequest',
  );
  const unsolicited = await send(w, responseXml(other, assertionXml(other)));
  await refused(t, unsolicited, /このサービスで開始したログインのものではない/, 'unknownRequest');
});

test.serial('a real SimpleSAMLphp response posted a second time (replay) is refused', async (t) => {
  const browser = new Browser();
  const login = await startLogin(rp, { prompt: 'login' }, browser);
  const path = login.page.match(/href="(\/interaction\/[^"]+\/saml\/campus)"/)?.[1] as string;
  const atIdp = await browser.follow(new URL(path, login.pageUrl).href);
  const form = (await atIdp.response?.text()) ?? '';
  const [student] = STUDENTS as [(typeof STUDENTS)[0]];
  const fields = { username: student.username, password: student.password, AuthState: inputValue(form, 'AuthState') };
  const answered = await browser.postForm(atIdp.url, fields);
  const html = (await answered.response?.text()) ?? '';
  const samlResponse = inputValue(html, 'SAMLResponse');
  const relayState = inputValue(html, 'RelayState');
  const first = await postResponse(browser, acs, samlResponse, relayState);
  t.is(first.status, 200, 'the first time it is accepted');
  const again = await postResponse(browser, acs, samlResponse, relayState);
  t.is(again.status, 400);
  t.regex(again.html, /すでに使用されています/);
});

test.serial('a wrapped signature (a forged assertion beside the signed one) is refused', async (t) => {
  const w = await waitingLogin();
  const genuine = assertionXml({ ...w.fields, nameIdXml: 'a0123456' });
  const forged = assertionXml({ ...w.fields, signer: undefined, assertionId: '_evil' });
  // XSW: the signed assertion is kept (its signature still verifies), hidden in Extensions.
  const wrapped = responseXml(w.fields, forged).replace(
    '<samlp:Status>',
    `<samlp:Extensions>${genuine}</samlp:Extensions><samlp:Status>`,
  );
  const links = await SamlLinkModel.countDocuments({});
  const result = await send(w, wrapped);
  t.is(result.status, 400);
  t.regex(result.html, /読み取れませんでした|検証できませんでした/);
  t.is(await SamlLinkModel.countDocuments({}), links, 'nobody was logged in');
});

test.serial('a NameID split by an XML comment (the signature still verifies) is refused', async (t) => {
  const w = await waitingLogin();
  const fields = { ...w.fields, nameIdXml: 'a0123456<!---->.attacker', signer: undefined };
  const signed = signAssertion(assertionXml(fields), w.fields.signer as { privateKey: string; certificate: string });
  t.true(signed.includes('<!---->'), 'the comment survives signing');
  await refused(t, await send(w, responseXml(fields, signed)), /読み取れませんでした/, 'malformed');
});

test.serial('a response with an external entity (XXE) is refused without reading the file', async (t) => {
  const w = await waitingLogin();
  const fields = {
    ...w.fields,
    prolog: '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    nameIdXml: '&xxe;',
  };
  const result = await send(
    w,
    responseXml(fields, assertionXml({ ...fields, nameIdXml: 'z9999999' }).replace('z9999999', '&xxe;')),
  );
  await refused(t, result, /読み取れませんでした/, 'malformed');
  t.notRegex(result.html, /root:/);
});

test.serial('garbage instead of a SAML response gets an error page, not a 5xx', async (t) => {
  const w = await waitingLogin();
  for (const body of ['', '%%%not base64', encode('<html>no</html>'), encode('<a')]) {
    const result = await postResponse(w.browser, acs, body, w.request.relayState);
    t.is(result.status, 400, body);
  }
  const json = await fetch(acs, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"SAMLResponse":{"$ne":null}}',
  });
  t.true(json.status < 500);
});
